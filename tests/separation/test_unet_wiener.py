"""unet-2stems' Wiener post-filter on the real song: norbert's MWF on the networks' estimates.

The filter replaces the ratio mask below 11 kHz only; above, the vocals keep the mask
extended from the top of the modelled band, and the accompaniment is still mix - vocals.
"""

import norbert
import numpy as np
import pytest
import torch

from separation.api import Separator
from separation.spleeter import BINS, HOP, N_FFT


@pytest.fixture(scope="module")
def ratio() -> Separator:
    return Separator("unet-2stems", device="cpu", wiener=0)


@pytest.fixture(scope="module")
def filtered() -> Separator:
    return Separator("unet-2stems", device="cpu", wiener=1)


def snr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    error = reference.astype(np.float64) - estimate
    return float(
        10 * np.log10(np.square(reference, dtype=np.float64).sum() / np.square(error).sum())
    )


def stft(samples: np.ndarray) -> torch.Tensor:
    window = torch.hann_window(N_FFT)
    return torch.stft(
        torch.from_numpy(samples),
        N_FFT,
        HOP,
        window=window,
        return_complex=True,
        pad_mode="constant",
    )


def test_the_filter_changes_the_vocals_below_11_khz_only(ratio, filtered, song):
    masked, wiener = ratio.separate(song), filtered.separate(song)
    change = snr_db(masked["vocals"], wiener["vocals"])
    # A real change (not the ratio mask again), yet still the same singer.
    assert 3 < change < 25, f"{change:.1f} dB"
    difference = stft(wiener["vocals"] - masked["vocals"]).abs().square()
    high_share = float(difference[:, BINS + 8 :].sum() / difference.sum())
    assert high_share < 1e-3, f"{high_share:.2e} of the change lies above 11 kHz"


def test_the_filtered_stems_still_add_up_to_the_mix(filtered, song):
    stems = filtered.separate(song)
    assert np.array_equal(stems["accompaniment"], song - stems["vocals"])


def test_it_agrees_with_norbert_on_the_same_estimates(filtered, clip):
    # 3 s: one chunk, so the running covariances are norbert's whole-input ones.
    ours = filtered.separate(clip)["vocals"]
    backend = filtered.backend
    with torch.inference_mode():
        spec = stft(clip)
        vocals, accompaniment = backend._estimates(spec)
        estimates = torch.stack([vocals, accompaniment], dim=-1).permute(2, 1, 0, 3)
        mixture = spec[:, :BINS].permute(2, 1, 0)
        low = norbert.wiener(estimates.numpy(), mixture.numpy().copy(), iterations=1)
        masked_high = backend._vocals(spec, None)[:, BINS:]
        reference_spec = torch.cat(
            [torch.from_numpy(low[..., 0]).permute(2, 1, 0), masked_high.to(torch.complex128)],
            dim=1,
        )
        reference = torch.istft(
            reference_spec,
            N_FFT,
            HOP,
            window=torch.hann_window(N_FFT, dtype=torch.float64),
            length=clip.shape[1],
        ).numpy()
    agreement = snr_db(reference, ours)
    assert agreement > 60, f"{agreement:.1f} dB"
