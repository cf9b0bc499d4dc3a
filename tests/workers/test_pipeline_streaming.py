"""The worker writes each stem block by block as the engine makes it, never holding one whole."""

import io
import tracemalloc

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile

from separation import audio
from separation.api import Separator
from separation.pretrained import example_song
from tests.factories import JobFactory
from tests.workers.fakes import FakeSeparator
from webapp.jobs.models import Job
from workers.tasks import separate_job

RATE = audio.SAMPLE_RATE


def song_job(owner, samples: np.ndarray, **fields) -> Job:
    """A job whose upload is `samples` as a float WAV (decoded back exactly)."""
    buffer = io.BytesIO()
    sf.write(buffer, samples.T, RATE, format="WAV", subtype="FLOAT")
    job = JobFactory(owner=owner, duration=samples.shape[1] / RATE, **fields)
    job.input_file.save("song.wav", ContentFile(buffer.getvalue()))
    return job


def stored(job: Job, name: str, fmt: str = "wav") -> np.ndarray:
    row = Job.objects.get(id=job.id).stems.get(name=name).files.get(format=fmt)
    return sf.read(row.file.path, dtype="float32", always_2d=True)[0].T


def noise(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (0.1 * rng.standard_normal((2, int(seconds * RATE)))).astype(np.float32)


class MeasuringSeparator(FakeSeparator):
    """Many small blocks; remembers the memory in use as separation begins."""

    def __init__(self, model: str) -> None:
        super().__init__(model, steps=40)
        self.before = 0

    def separate_blocks(self, mix, target="all", progress=None):
        tracemalloc.reset_peak()
        self.before = tracemalloc.get_traced_memory()[0]
        return super().separate_blocks(mix, target, progress)


def test_no_whole_stem_is_written_at_once(owner, monkeypatch):
    song = noise(4.0)
    monkeypatch.setattr("workers.pipeline.get_separator", MeasuringSeparator)
    widths = []
    write = audio.AudioWriter.write

    def spy(writer, samples):
        widths.append(samples.shape[1])
        write(writer, samples)

    monkeypatch.setattr(audio.AudioWriter, "write", spy)
    job = song_job(owner, song)

    assert separate_job.apply(args=[str(job.id)]).get() == "succeeded"

    assert max(widths) <= audio.BLOCK_FRAMES < song.shape[1]
    for name in ("vocals", "accompaniment"):
        np.testing.assert_array_equal(stored(job, name), song / 2)


def separating_peak(owner, monkeypatch, seconds: float) -> tuple[int, int]:
    """Separate and store a `seconds` noise; return (traced peak above the decoded song,
    bytes of one stem)."""
    song = noise(seconds)
    separator = MeasuringSeparator("unet-2stems")
    monkeypatch.setattr("workers.pipeline.get_separator", lambda model: separator)
    job = song_job(owner, song)

    tracemalloc.start()
    try:
        assert separate_job.apply(args=[str(job.id)]).get() == "succeeded"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stored(job, "vocals").shape == song.shape
    return peak - separator.before, song.nbytes


def test_separating_and_storing_stays_far_below_one_stem_of_memory(owner, monkeypatch, settings):
    settings.STEMWORKS_ENCODE_THREADS = 1  # one copy at a time: one block's worth at most

    # From the start of separation to the stored rows, on top of the decoded song.
    peak, stem_bytes = separating_peak(owner, monkeypatch, 20.0)  # a stem is 7 MB

    assert peak < stem_bytes / 4


def test_encoding_on_threads_takes_a_few_blocks_whatever_the_length(owner, monkeypatch, settings):
    settings.STEMWORKS_ENCODE_THREADS = 8  # every copy of every stem at once

    short, _ = separating_peak(owner, monkeypatch, 10.0)
    long, _ = separating_peak(owner, monkeypatch, 40.0)

    # A few blocks per copy at once (about 10 MB here): four times the song, the same peak.
    assert long < short * 1.3


@pytest.fixture(scope="module")
def unet() -> Separator:
    return Separator("unet-2stems", device="cpu")


@pytest.mark.parametrize("target", ["all", "vocals"])
def test_the_real_engine_streamed_to_disk_stores_its_whole_separation(
    owner, monkeypatch, unet, target
):
    song = read_song(seconds=14)  # two of the engine's blocks
    monkeypatch.setattr("workers.pipeline.get_separator", lambda model: unet)
    job = song_job(owner, song, target=target)

    assert separate_job.apply(args=[str(job.id)]).get() == "succeeded"

    expected = unet.separate(song, target)
    for name, stem in expected.items():
        assert np.abs(stored(job, name) - stem).max() < 1e-6


def read_song(*, seconds: float) -> np.ndarray:
    """The example song looped to `seconds`, as (2, n) float32."""
    samples = audio.read_audio(example_song()).samples
    repeats = -(-int(seconds * RATE) // samples.shape[1])
    return np.ascontiguousarray(np.tile(samples, (1, repeats))[:, : int(seconds * RATE)])


def test_the_encoder_keeps_the_stems_in_order_and_refuses_a_gap(tmp_path):
    from workers.stem_encoding import StemEncoder

    block = {"vocals": np.zeros((2, 10), np.float32), "drums": np.ones((2, 10), np.float32)}
    encoder = StemEncoder(tmp_path, in_rate=RATE, out_rate=RATE)

    encoder.add_blocks([(0, block), (10, block)])

    assert [stem.name for stem in encoder.encoded()] == ["vocals", "drums"]
    with pytest.raises(ValueError, match="starts at sample 30, not at 10"):
        StemEncoder(tmp_path, in_rate=RATE, out_rate=RATE).add_blocks([(0, block), (30, block)])
