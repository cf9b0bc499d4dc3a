"""Run one claimed job: fetch the upload, separate it, encode and store the stems."""

import shutil
import tempfile
from pathlib import PurePath

from django.conf import settings

from separation import audio
from webapp.jobs.lifecycle import StemData, job_record_preview_start, job_succeed
from webapp.jobs.models import Job, Kind
from workers.engine import get_separator
from workers.excerpt import most_energetic_start
from workers.progress import ProgressReporter, report

STEM_FORMAT = "wav"


def run_job(job: Job) -> bool:
    """Separate a running job end to end; True when its stems were stored."""
    report(job.id, 2, "decoding")
    suffix = PurePath(job.input_file.name).suffix
    # Decode from a local copy: soundfile needs a seekable file, which S3 objects are not.
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, job.input_file.open("rb") as src:
        shutil.copyfileobj(src, local)
        local.flush()
        decoded = audio.read_audio(local.name, max_duration=settings.STEMWORKS_MAX_DURATION_S)
    samples = decoded.samples
    if job.kind == Kind.PREVIEW:
        rate, seconds = decoded.sample_rate, settings.STEMWORKS_PREVIEW_SECONDS
        start = job.preview_start
        if start is None:
            start = most_energetic_start(samples, rate, seconds)
            job_record_preview_start(job_id=job.id, start=start)
        samples = samples[:, int(start * rate) : int(start * rate) + int(seconds * rate)]

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
    return job_succeed(job_id=job.id, stems=_encode(stems))


def _encode(stems: dict) -> list[StemData]:
    """Encode each stem, dropping its array once encoded so the two never all coexist."""
    encoded = []
    for name in list(stems):
        stem = stems.pop(name)
        content = audio.encode_audio(
            stem, audio.SAMPLE_RATE, STEM_FORMAT, wav_depth=settings.STEMWORKS_STEM_WAV_DEPTH
        )
        duration = stem.shape[1] / audio.SAMPLE_RATE
        encoded.append(StemData(name=name, content=content, format=STEM_FORMAT, duration=duration))
        del stem
    return encoded
