"""The unet-2stems model on real weights and real music."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from engine_factories import band_energy, tone

from separation.api import Separator
from separation.errors import SeparationCancelled
from separation.spleeter import UNet2Stems

BENCH = Path(__file__).resolve().parents[2] / "bench"
# One 512-frame segment of the network, in samples (frames at a hop of 1024).
SEGMENT_SAMPLES = 512 * 1024


def test_it_keeps_the_content_above_11_khz(unet_all, clip):
    high = band_energy(clip, 12000, 22050)
    assert high > 0
    both = unet_all["vocals"] + unet_all["accompaniment"]
    assert band_energy(both, 12000, 22050) == pytest.approx(high, rel=1e-3)
    # The high band is shared between the stems, not dumped into one of them.
    assert band_energy(unet_all["vocals"], 12000, 22050) > 0.01 * high
    assert band_energy(unet_all["accompaniment"], 12000, 22050) > 0.01 * high


def test_it_really_separates_the_song(unet_all, clip):
    vocal_share = np.square(unet_all["vocals"]).sum() / np.square(clip).sum()
    assert 0.02 < vocal_share < 0.9
    assert not np.allclose(unet_all["vocals"], unet_all["accompaniment"], atol=1e-3)


@pytest.mark.slow  # loads the reference implementation and its weights a second time
def test_its_ratio_mask_agrees_with_the_reference_spleeter_below_11_khz(clip):
    # wiener=0: the reference's own ratio masks (the default Wiener filter differs on purpose)
    ratio = Separator("unet-2stems", device="cpu", wiener=0).separate(clip)
    sys.path.insert(0, str(BENCH))
    from reference_spleeter import load_reference, separate_reference

    reference = dict(
        zip(("vocals", "accompaniment"), separate_reference(load_reference(), clip), strict=True)
    )
    window = torch.hann_window(4096)

    def low_band(x):
        spec = torch.stft(
            torch.from_numpy(np.ascontiguousarray(x)),
            4096,
            1024,
            window=window,
            return_complex=True,
        )
        return spec[:, :1024]

    for name, ref in reference.items():
        a, b = low_band(ratio[name][:, : ref.shape[1]]), low_band(ref)
        assert ((a - b).abs().norm() / b.abs().norm()).item() < 0.01


@pytest.fixture(scope="module")
def two_segments(song) -> np.ndarray:
    """Just over two of the network's segments of real music (12.5 s)."""
    return np.tile(song, (1, 2))[:, : SEGMENT_SAMPLES + 2 * 44100]


def test_batching_segments_gives_the_same_stems_as_one_at_a_time(two_segments):
    seen_one, seen_two = [], []
    one = Separator("unet-2stems", device="cpu", batch_size=1)
    two = Separator("unet-2stems", device="cpu", batch_size=2)
    a = one.separate(two_segments, progress=seen_one.append)
    b = two.separate(two_segments, progress=seen_two.append)
    assert np.abs(a["vocals"] - b["vocals"]).max() < 1e-5
    assert a["vocals"].shape == two_segments.shape
    # Progress comes once per batch and rises to one.
    assert len(seen_one) == 2 and seen_one == sorted(seen_one) and seen_one[-1] == 1.0
    assert seen_two == [1.0]


def test_silence_gives_silent_stems(unet):
    silence = np.zeros((2, 44100 * 3), dtype=np.float32)
    stems = unet.separate(silence)
    for stem in stems.values():
        assert stem.shape == silence.shape
        assert np.abs(stem).max() < 1e-6


@pytest.mark.parametrize("seconds", [0.01, 11.9])  # shorter than one FFT frame; over a segment
def test_any_length_comes_back_with_the_same_length(unet, seconds):
    mix = tone(440, seconds)
    stems = unet.separate(mix)
    assert all(stem.shape == mix.shape for stem in stems.values())
    assert all(np.isfinite(stem).all() for stem in stems.values())


def test_a_progress_callback_can_cancel(unet, clip):
    def cancel(fraction):
        raise SeparationCancelled("stop")

    with pytest.raises(SeparationCancelled):
        unet.separate(clip, progress=cancel)


@pytest.mark.slow  # fp16 autocast on a CPU is emulated and slow
def test_half_precision_as_used_on_cuda_does_not_hurt_quality(unet_all, clip):
    # CUDA runs the U-Nets under fp16 autocast; the same arithmetic runs (slowly) on CPU.
    half = UNet2Stems(torch.device("cpu"), half=True).separate(clip)
    for name, stem in unet_all.items():
        error = stem - half[name]
        sdr = 10 * np.log10(np.square(stem).sum() / np.square(error).sum())
        assert sdr > 50, f"{name}: {sdr:.1f} dB"
