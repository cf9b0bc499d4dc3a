"""Run one claimed job: fetch the upload, separate it, encode the stems in every format, store."""

import shutil
import tempfile
from pathlib import Path, PurePath

import numpy as np
from django.conf import settings

from separation import audio
from separation.excerpt import most_energetic_start
from webapp.jobs.lifecycle import job_record_preview_start, job_succeed
from webapp.jobs.models import Job, Kind, SampleRate
from workers.engine import get_separator
from workers.progress import ProgressReporter, report
from workers.stem_encoding import StemEncoder


def run_job(job: Job) -> bool:
    """Separate a running job end to end; True when its stems were stored."""
    report(job.id, 2, "decoding")
    decoded = _decode(job)
    samples, input_rate = decoded.samples, decoded.source.sample_rate
    if job.kind == Kind.PREVIEW:
        samples = _excerpt(job, samples, decoded.sample_rate)

    report(job.id, 5, "loading model")
    separator = get_separator(job.model)
    reporter = ProgressReporter(
        job.id,
        stage="separating",
        start=10,
        end=90,
        interval=settings.STEMWORKS_PROGRESS_INTERVAL_S,
    )
    reporter(0.0)
    # The decoded song is ours alone: let the engine reuse its buffer for a stem.
    stems = separator.separate(samples, target=job.target, progress=reporter, inplace=True)
    del samples, decoded

    report(job.id, 92, "saving stems")
    out_rate = input_rate if job.sample_rate == SampleRate.INPUT else audio.SAMPLE_RATE
    return _store(job, stems, out_rate)


def _decode(job: Job) -> audio.Audio:
    suffix = PurePath(job.input_file.name).suffix
    # Decode from a local copy: soundfile needs a seekable file, which S3 objects are not.
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, job.input_file.open("rb") as src:
        shutil.copyfileobj(src, local)
        local.flush()
        return audio.read_audio(local.name, max_duration=settings.STEMWORKS_MAX_DURATION_S)


def _excerpt(job: Job, samples: np.ndarray, rate: int) -> np.ndarray:
    """Return the preview's part of the song, choosing (and recording) where it starts."""
    seconds = settings.STEMWORKS_PREVIEW_SECONDS
    start = job.preview_start
    if start is None:
        start = most_energetic_start(samples, rate, seconds)
        job_record_preview_start(job_id=job.id, start=start)
    return samples[:, int(start * rate) : int(start * rate) + int(seconds * rate)]


def _store(job: Job, stems: dict[str, np.ndarray], out_rate: int) -> bool:
    """Encode every stem in every format through local files and store them one by one."""
    with tempfile.TemporaryDirectory(prefix="stemworks-") as scratch:
        encoder = StemEncoder(
            Path(scratch),
            in_rate=audio.SAMPLE_RATE,
            out_rate=out_rate,
            wav_depth=settings.STEMWORKS_STEM_WAV_DEPTH,
        )
        for name in list(stems):
            # Each array goes as soon as it is on disk: the stems shrink as they are written.
            encoder.add(name, stems.pop(name))

        def saving(index: int, count: int) -> None:
            report(job.id, 92 + 7 * index // count, "saving stems")

        return job_succeed(job_id=job.id, stems=encoder.encoded(before_each=saving))
