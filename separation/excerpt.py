"""Pick the excerpt a free preview separates."""

import numpy as np


def most_energetic_start(
    samples: np.ndarray, sample_rate: int, seconds: float, *, hop_s: float = 1.0
) -> float:
    """Return the start (s) of the `seconds`-long window with the highest RMS, on a `hop_s` grid."""
    window = max(1, int(seconds * sample_rate))
    hop = max(1, min(int(hop_s * sample_rate), window))
    total = samples.shape[-1]
    if total <= window:
        return 0.0
    # Energy per hop-sized block, one block at a time so a long song is never copied whole;
    # then sliding sums of as many blocks as a window holds.
    blocks = total // hop
    per_block = np.fromiter(
        (
            np.vdot(chunk, chunk).astype(np.float64)
            for chunk in (samples[..., b * hop : (b + 1) * hop] for b in range(blocks))
        ),
        dtype=np.float64,
        count=blocks,
    )
    per_window = window // hop
    sums = np.convolve(per_block, np.ones(per_window), mode="valid")
    # The last window must still fit inside the song.
    starts = np.arange(len(sums)) * hop
    sums = sums[starts + window <= total]
    return float(int(np.argmax(sums)) * hop / sample_rate) if len(sums) else 0.0
