"""The unet-2stems model on real weights and real music."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from engine_factories import band_energy, tone

from separation.errors import SeparationCancelled
from separation.spleeter import UNet2Stems

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_stems_add_up_to_the_mix_of_a_real_song(unet, song):
    stems = unet.separate(song)
    assert set(stems) == {"vocals", "accompaniment"}
    assert np.abs(stems["vocals"] + stems["accompaniment"] - song).max() <= 1e-4


def test_it_keeps_the_content_above_11_khz(unet, song):
    stems = unet.separate(song)
    high = band_energy(song, 12000, 22050)
    assert high > 0
    assert band_energy(stems["vocals"] + stems["accompaniment"], 12000, 22050) == pytest.approx(
        high, rel=1e-3
    )
    # The high band is shared between the stems, not dumped into one of them.
    assert band_energy(stems["vocals"], 12000, 22050) > 0.01 * high
    assert band_energy(stems["accompaniment"], 12000, 22050) > 0.01 * high


def test_it_really_separates_the_song(unet, song):
    stems = unet.separate(song)
    vocal_share = np.square(stems["vocals"]).sum() / np.square(song).sum()
    assert 0.02 < vocal_share < 0.9
    assert not np.allclose(stems["vocals"], stems["accompaniment"], atol=1e-3)


def test_it_agrees_with_the_reference_spleeter_below_11_khz(unet, song):
    sys.path.insert(0, str(BENCH))
    from reference_spleeter import load_reference, separate_reference

    reference = dict(
        zip(("vocals", "accompaniment"), separate_reference(load_reference(), song), strict=True)
    )
    ours = unet.separate(song)
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
        a, b = low_band(ours[name][:, : ref.shape[1]]), low_band(ref)
        assert ((a - b).abs().norm() / b.abs().norm()).item() < 0.01


def test_chunked_processing_agrees_with_processing_the_whole_song(song):
    long_song = np.tile(song, (1, 3))  # ~33 s: three 512-frame segments
    chunked = UNet2Stems(torch.device("cpu"), segments_per_chunk=1).separate(long_song)
    whole = UNet2Stems(torch.device("cpu"), segments_per_chunk=64).separate(long_song)
    assert np.abs(chunked["vocals"] - whole["vocals"]).max() < 1e-5


def test_silence_gives_silent_stems(unet):
    silence = np.zeros((2, 44100 * 3), dtype=np.float32)
    stems = unet.separate(silence)
    for stem in stems.values():
        assert stem.shape == silence.shape
        assert np.abs(stem).max() < 1e-6


@pytest.mark.parametrize("seconds", [0.01, 1.0, 11.9, 12.5])
def test_any_length_comes_back_with_the_same_length(unet, seconds):
    mix = tone(440, seconds)
    stems = unet.separate(mix)
    assert all(stem.shape == mix.shape for stem in stems.values())
    assert np.abs(sum(stems.values()) - mix).max() <= 1e-4


def test_progress_rises_to_one(song):
    seen = []
    UNet2Stems(torch.device("cpu")).separate(np.tile(song, (1, 3)), seen.append)
    assert seen == sorted(seen)
    assert len(seen) == 3
    assert seen[-1] == 1.0


def test_a_progress_callback_can_cancel(unet, song):
    def cancel(fraction):
        raise SeparationCancelled("stop")

    with pytest.raises(SeparationCancelled):
        unet.separate(song, progress=cancel)


def test_half_precision_as_used_on_cuda_does_not_hurt_quality(song):
    # CUDA runs the U-Nets under fp16 autocast; the same arithmetic runs (slowly) on CPU.
    full = UNet2Stems(torch.device("cpu")).separate(song)
    half = UNet2Stems(torch.device("cpu"), half=True).separate(song)
    for name, stem in full.items():
        error = stem - half[name]
        sdr = 10 * np.log10(np.square(stem).sum() / np.square(error).sum())
        assert sdr > 50, f"{name}: {sdr:.1f} dB"
