"""A streaming inverse STFT: frames arrive in chunks, finished samples come out in order.

Overlap-add with the squared-window normalisation of torch.istft(center=True), computed
chunk by chunk with a carried tail, so the result equals the whole-signal inverse STFT
while memory holds only one chunk of frames.
"""

import torch


class StreamingISTFT:
    """Inverse of torch.stft(center=True, pad_mode='constant') for a signal of `length`."""

    def __init__(self, window: torch.Tensor, hop: int, length: int) -> None:
        self.window = window
        self.n_fft = window.shape[0]
        self.hop = hop
        self.length = length
        self.total_frames = length // hop + 1
        self._frames_seen = 0
        self._tail = torch.zeros(0, device=window.device)
        self._tail_env = torch.zeros(0, device=window.device)

    def push(self, spec: torch.Tensor) -> tuple[int, torch.Tensor]:
        """Add complex frames (..., bins, frames); return (start, samples) now complete.

        `start` is the index in the original signal of the first returned sample.
        """
        frames = spec.shape[-1]
        lead = spec.shape[:-2]
        signal = torch.fft.irfft(spec.transpose(-1, -2), n=self.n_fft) * self.window
        span = (frames - 1) * self.hop + self.n_fft
        summed = _overlap_add(signal.reshape(-1, frames, self.n_fft), self.hop)
        env = _overlap_add((self.window**2).expand(1, frames, self.n_fft), self.hop)[0]
        summed = summed.reshape(*lead, span)
        keep = self._tail.shape[-1]
        if keep:
            summed[..., :keep] += self._tail
            env[:keep] += self._tail_env
        first = self._frames_seen * self.hop  # position in the centre-padded signal
        self._frames_seen += frames
        last_chunk = self._frames_seen >= self.total_frames
        done = span if last_chunk else frames * self.hop
        self._tail, self._tail_env = summed[..., done:], env[done:]
        out = summed[..., :done] / env[:done].clamp_min(1e-11)
        return self._crop(first, out)

    def _crop(self, first: int, out: torch.Tensor) -> tuple[int, torch.Tensor]:
        """Drop the centre padding (n_fft // 2 each side) and anything past `length`."""
        pad = self.n_fft // 2
        start = max(first, pad)
        end = min(first + out.shape[-1], pad + self.length)
        return start - pad, out[..., start - first : max(end - first, start - first)]


def _overlap_add(frames: torch.Tensor, hop: int) -> torch.Tensor:
    """Sum (channels, frames, n_fft) windows placed every `hop` samples; n_fft % hop == 0.

    Each frame is cut into n_fft // hop blocks, and block i of frame f lands on output
    block f + i: a few large vectorised adds instead of a scatter per sample.
    """
    channels, count, n_fft = frames.shape
    parts = n_fft // hop
    blocks = frames.reshape(channels, count, parts, hop)
    out = frames.new_zeros(channels, count + parts - 1, hop)
    for i in range(parts):
        out[:, i : i + count] += blocks[:, :, i]
    return out.reshape(channels, -1)
