"""The worker makes each stem's waveform peaks once, as it encodes it, and stores them."""

import json

import numpy as np
import pytest

from tests.factories import tone
from tests.workers.test_stored_stem_formats import LoudSeparator, job_with_input, run
from workers.stem_encoding import StemEncoder

RATE = 44100


def encoded(tmp_path, stems: dict[str, np.ndarray], *, out_rate: int = RATE):
    enc = StemEncoder(tmp_path, in_rate=RATE, out_rate=out_rate)
    for name, samples in stems.items():
        enc.add(name, samples)
    return enc, enc.encoded()


def test_each_stem_comes_with_peaks_of_1000_bins_a_minute(tmp_path):
    _, stems = encoded(tmp_path, {"vocals": tone(3.0)})

    stem = next(stems)

    waveform = json.loads(stem.peaks.read_text())
    assert (waveform["version"], waveform["channels"], waveform["bits"]) == (2, 1, 8)
    assert (waveform["sample_rate"], waveform["samples_per_pixel"]) == (RATE, 2646)
    assert waveform["length"] == 50  # 3 s = 132300 frames = 50 bins of 2646
    assert len(waveform["data"]) == 100


def test_the_peaks_follow_the_signal(tmp_path):
    quiet_then_loud = np.concatenate([tone(1.0) * 0.4, tone(1.0) * 3.2], axis=1)  # 0.1, 0.8

    _, stems = encoded(tmp_path, {"vocals": quiet_then_loud})

    data = json.loads(next(stems).peaks.read_text())["data"]
    highs, lows = data[1::2], data[0::2]
    assert max(highs[:16]) == 13 and min(lows[:16]) == -13  # 0.1 of full scale
    assert min(highs[17:]) == 102 and max(lows[17:]) == -102  # 0.8 of full scale


def test_the_peaks_are_at_the_output_rate(tmp_path):
    _, stems = encoded(tmp_path, {"vocals": tone(1.0)}, out_rate=48000)

    waveform = json.loads(next(stems).peaks.read_text())

    assert (waveform["sample_rate"], waveform["samples_per_pixel"]) == (48000, 2880)
    assert waveform["length"] == 17  # 48000 / 2880 = 16.7


def test_the_peaks_take_the_gain_of_the_lossy_copies(tmp_path):
    enc, stems = encoded(tmp_path, {"vocals": tone(0.5) * 8, "other": tone(0.5) * 4})  # 2.0, 1.0

    data = json.loads(next(stems).peaks.read_text())["data"]

    assert enc.gain == pytest.approx(0.999 / 2.0, rel=1e-3)
    assert max(data[1::2]) == 127 and min(data[0::2]) == -128  # not clipped to a flat bar
    other = json.loads(next(stems).peaks.read_text())["data"]
    assert max(other[1::2]) == 64  # half as loud, as in the lossy copies


def test_the_peaks_file_goes_once_the_stem_is_taken(tmp_path):
    _, stems = encoded(tmp_path, {"vocals": tone(0.5), "drums": tone(0.5)})

    first = next(stems)
    assert first.peaks.exists()
    next(stems)

    assert not first.peaks.exists()


def test_a_separated_job_stores_peaks_matching_its_stems(owner, monkeypatch):
    monkeypatch.setattr("workers.pipeline.get_separator", LoudSeparator)

    job = run(job_with_input(owner, seconds=2.0))

    for stem in job.stems.all():
        assert stem.peaks.name == f"jobs/{job.id}/stems/1/{stem.name}.peaks.json"
        with stem.peaks.open("rb") as f:
            waveform = json.load(f)
        assert waveform["length"] == 34  # 2 s = 88200 frames: 33 bins and a partial one
        assert max(waveform["data"]) <= 127
    vocals = json.loads(job.stems.get(name="vocals").peaks.read())["data"]
    accompaniment = json.loads(job.stems.get(name="accompaniment").peaks.read())["data"]
    # One gain for the job: the vocals (twice as loud) stay twice as high.
    assert max(vocals) == pytest.approx(2 * max(accompaniment), abs=1)
