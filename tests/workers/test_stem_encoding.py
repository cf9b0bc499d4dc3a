"""StemEncoder: stems go to disk as they come, and come back one at a time in every format."""

import numpy as np
import pytest
import soundfile as sf

from tests.factories import tone
from webapp.jobs.stem_files import STEM_FORMATS
from workers.stem_encoding import StemEncoder


def encoder(folder, *, out_rate: int = 44100) -> StemEncoder:
    folder.mkdir(exist_ok=True)
    return StemEncoder(folder, in_rate=44100, out_rate=out_rate)


def test_it_yields_one_stem_at_a_time_and_removes_its_files_once_taken(tmp_path):
    enc = encoder(tmp_path)
    enc.add("vocals", tone(0.5))
    enc.add("drums", tone(0.5, freq=220))
    stems = enc.encoded()

    first = next(stems)

    assert first.name == "vocals"
    assert sorted(f.format for f in first.files) == sorted(STEM_FORMATS)
    assert all(f.path.exists() for f in first.files)
    assert not list(tmp_path.glob("1.*.mp3"))  # the second stem is not encoded yet

    second = next(stems)

    assert second.name == "drums"
    assert not any(f.path.exists() for f in first.files)
    assert all(f.path.exists() for f in second.files)
    with pytest.raises(StopIteration):
        next(stems)
    assert not any(tmp_path.iterdir())


def test_a_stem_written_block_by_block_equals_one_written_whole(tmp_path):
    audio = tone(1.3)
    whole, blocks = encoder(tmp_path / "whole"), encoder(tmp_path / "blocks")

    whole.add("vocals", audio)
    with blocks.stem("vocals") as writer:
        for start in range(0, audio.shape[1], 1000):  # as a streaming engine would hand them
            writer.write(audio[:, start : start + 1000])

    for a, b in zip(next(whole.encoded()).files, next(blocks.encoded()).files, strict=True):
        assert a.format == b.format
        assert a.path.read_bytes() == b.path.read_bytes()


def test_the_gain_comes_from_the_loudest_stem_of_the_job(tmp_path):
    enc = encoder(tmp_path)
    enc.add("vocals", tone(0.2) * 4)  # peaks at 1.0
    enc.add("other", tone(0.2) * 8)  # peaks at 2.0

    assert enc.peak == pytest.approx(2.0, rel=1e-3)
    assert enc.gain == pytest.approx(0.999 / enc.peak)


def test_quiet_stems_are_not_scaled(tmp_path):
    enc = encoder(tmp_path)
    enc.add("vocals", tone(0.2))

    assert enc.gain == 1.0
    flac = next(f for f in next(enc.encoded()).files if f.format == "flac")
    data, _ = sf.read(flac.path, dtype="float32", always_2d=True)
    np.testing.assert_allclose(data.T, tone(0.2), atol=2**-22)


def test_the_output_rate_sets_the_length(tmp_path):
    enc = encoder(tmp_path, out_rate=22050)
    enc.add("vocals", tone(1.0))

    stem = next(enc.encoded())

    assert stem.sample_rate == 22050
    assert stem.duration == pytest.approx(1.0, abs=1e-3)
    wav = next(f for f in stem.files if f.format == "wav")
    assert sf.info(wav.path).frames == 22050
