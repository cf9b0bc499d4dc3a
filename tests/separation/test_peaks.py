"""PeaksAccumulator: min/max per bin over all channels, as audiowaveform's JSON version 2."""

import json

import numpy as np
import pytest

from separation.peaks import PeaksAccumulator, samples_per_pixel

RATE = 44100


def sine(seconds: float, *, amplitude: float = 0.5, freq: float = 441.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    left = amplitude * np.sin(2 * np.pi * freq * t)
    return np.asarray([left, left / 2], dtype=np.float32)


def peaks_of(samples: np.ndarray, *, block: int | None = None, **kwargs) -> dict:
    acc = PeaksAccumulator(RATE, **kwargs)
    step = block or max(1, samples.shape[1])
    for start in range(0, samples.shape[1], step):
        acc.add(samples[:, start : start + step])
    return acc.waveform()


def test_it_makes_1000_bins_a_minute():
    assert samples_per_pixel(44100) == 2646
    assert samples_per_pixel(48000) == 2880
    assert samples_per_pixel(8000) == 480


def test_the_header_is_audiowaveforms_version_2():
    waveform = peaks_of(sine(1.0))

    assert {k: v for k, v in waveform.items() if k != "data"} == {
        "version": 2,
        "channels": 1,
        "sample_rate": RATE,
        "samples_per_pixel": 2646,
        "bits": 8,
        "length": 17,  # 44100 / 2646 = 16.7: the last, partial bin counts
    }
    assert len(waveform["data"]) == 2 * 17
    assert all(isinstance(v, int) for v in waveform["data"])


@pytest.mark.parametrize("block", [1, 1000, 2646, 2647, 5000])
def test_blocks_split_across_bins_give_what_one_block_gives(block):
    samples = np.random.default_rng(1).uniform(-1, 1, (2, 20_000)).astype(np.float32)

    assert peaks_of(samples, block=block) == peaks_of(samples)


def test_a_sines_peaks_are_its_amplitude_in_every_bin():
    data = peaks_of(sine(2.0, amplitude=0.5))["data"]

    # 441 Hz: every bin of 2646 frames holds whole periods; the louder channel sets them.
    assert data[0::2] == [-64] * (len(data) // 2)
    assert data[1::2] == [64] * (len(data) // 2)


def test_the_peaks_follow_the_signal_over_time():
    quiet_then_loud = np.concatenate([sine(1.0, amplitude=0.1), sine(1.0, amplitude=0.8)], axis=1)

    data = peaks_of(quiet_then_loud, block=4096)["data"]

    highs = data[1::2]
    assert max(highs[:16]) == 13  # 0.1 * 128
    assert min(highs[17:]) == 102  # 0.8 * 128


def test_a_partial_last_bin_counts():
    waveform = peaks_of(np.full((2, 2646 * 3 + 1), 0.25, dtype=np.float32))

    assert waveform["length"] == 4
    assert waveform["data"][-2:] == [32, 32]


def test_values_beyond_full_scale_are_clipped():
    loud = np.asarray([[3.0, -3.0, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)

    assert peaks_of(loud)["data"] == [-128, 127]


def test_the_gain_scales_the_peaks():
    assert peaks_of(sine(1.0, amplitude=0.5), gain=0.5)["data"][:2] == [-32, 32]


def test_no_audio_gives_no_bins(tmp_path):
    acc = PeaksAccumulator(RATE)
    acc.add(np.zeros((2, 0), dtype=np.float32))
    acc.write(tmp_path / "peaks.json")

    waveform = json.loads((tmp_path / "peaks.json").read_text())
    assert (waveform["length"], waveform["data"]) == (0, [])
