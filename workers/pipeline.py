"""Run one claimed job: fetch the upload, separate it, encode the stems in every format, store."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

from separation import audio, isolated
from separation.excerpt import most_energetic_start
from webapp.jobs.lifecycle import Claim, job_record_preview_start, job_succeed
from webapp.jobs.models import Job, Kind, SampleRate
from workers.engine import device_name, get_separator
from workers.progress import ProgressReporter, report
from workers.stem_encoding import StemEncoder
from workers.stopwatch import DECODE, ENCODE, SEPARATE, STORE, Stopwatch

if TYPE_CHECKING:  # the web process imports workers without torch
    from separation.api import Separator


def run_job(job: Job, watch: Stopwatch | None = None) -> bool:
    """Separate a running job end to end; True when its stems were stored.

    `watch` times each stage (and learns the device); its figures are saved with the job.
    Every write goes through the attempt the row was claimed with (`Claim.of(job)`).
    """
    watch = watch or Stopwatch()
    claim = Claim.of(job)
    report(claim, 2, "decoding")
    with watch.stage(DECODE):
        decoded = _decode(job)
        samples, input_rate = decoded.samples, decoded.source.sample_rate
        if job.kind == Kind.PREVIEW:
            samples = _excerpt(job, samples, decoded.sample_rate)

    report(claim, 5, "loading model")
    # Loading weights (once per process) is no stage: it would skew the model's speed.
    separator = get_separator(job.model)
    watch.device = device_name(separator)
    out_rate = input_rate if job.sample_rate == SampleRate.INPUT else audio.SAMPLE_RATE
    with tempfile.TemporaryDirectory(prefix="stemworks-") as scratch:
        encoder = StemEncoder(
            Path(scratch),
            in_rate=audio.SAMPLE_RATE,
            out_rate=out_rate,
            wav_depth=settings.STEMWORKS_STEM_WAV_DEPTH,
            threads=settings.STEMWORKS_ENCODE_THREADS,
        )
        _separate(claim, job, separator, samples, encoder, watch)
        del samples, decoded
        return _store(claim, encoder, watch)


def _separate(
    claim: Claim,
    job: Job,
    separator: Separator,
    samples: np.ndarray,
    encoder: StemEncoder,
    watch: Stopwatch,
) -> None:
    """Separate the song into the encoder's masters, each block as the engine makes it.

    Waiting for a block is the model's time; writing it to the masters is encoding.
    """
    reporter = ProgressReporter(
        claim,
        stage="separating",
        start=10,
        end=90,
        interval=settings.STEMWORKS_PROGRESS_INTERVAL_S,
    )
    reporter(0.0)
    # No stem is ever held whole: every stem's master is open and takes each block.
    blocks = separator.separate_blocks(samples, job.target, reporter)
    encoder.add_blocks(watch.alternate(blocks, inside=SEPARATE, between=ENCODE))


def _store(claim: Claim, encoder: StemEncoder, watch: Stopwatch) -> bool:
    """Encode every stem in every format from its master and store them one by one.

    Waiting for the next encoded stem is encoding; what job_succeed does with it is storing.
    """
    report(claim, 92, "saving stems")

    def saving(index: int, count: int) -> None:
        report(claim, 92 + 7 * index // count, "saving stems")

    # Closed on the way out, however job_succeed ends: no encoder thread outlives the
    # scratch folder it writes in.
    with contextlib.closing(encoder.encoded(before_each=saving)) as encoded:
        stems = watch.alternate(encoded, inside=ENCODE, between=STORE)
        return job_succeed(claim=claim, stems=stems, stats=watch.stats)


def _decode(job: Job) -> audio.Audio:
    suffix = PurePath(job.input_file.name).suffix
    # Decode from a local copy: soundfile needs a seekable file, which S3 objects are not.
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, job.input_file.open("rb") as src:
        shutil.copyfileobj(src, local)
        local.flush()
        return isolated.read_audio(local.name, max_duration=settings.STEMWORKS_MAX_DURATION_S)


def _excerpt(job: Job, samples: np.ndarray, rate: int) -> np.ndarray:
    """Return the preview's part of the song, choosing (and recording) where it starts."""
    seconds = settings.STEMWORKS_PREVIEW_SECONDS
    start = job.preview_start
    if start is None:
        start = most_energetic_start(samples, rate, seconds)
        job_record_preview_start(job_id=job.id, start=start)
    return samples[:, int(start * rate) : int(start * rate) + int(seconds * rate)]
