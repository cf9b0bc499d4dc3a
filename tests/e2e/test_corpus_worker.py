"""The unusual corpus through a real worker: every job succeeds or fails plainly, refunded.

Each valid-but-unusual upload (and a few the upload check cannot tell are bad: NaN past
the first block) is uploaded through the API and separated by a real Celery worker
process with the duration limit the corpus is built for. A job either succeeds with
stems as long as its input, or fails with one of the plain sentences and its credits
refunded once. The worker never dies and its log holds no traceback. Counts by outcome
are printed at the end.
"""

from collections import Counter

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from separation import refusals
from tests.corpus import LIMIT_S, Case, unusual
from tests.e2e.crashing_decoder import CRASH_CHANNELS, CRASHING_DECODER_WORKER
from tests.e2e.helpers import wait_until
from tests.factories import paying_user
from tests.separation.audio_factories import encode, tone
from tests.separation.test_refusals import assert_plain
from webapp.billing.models import CreditTransaction
from webapp.jobs.models import Job

pytestmark = [pytest.mark.slow]


def _nan_past_the_first_block() -> Case:
    """A float WAV whose first 1.5 s (the block the upload check reads) are clean."""
    signal = tone(seconds=3.0)
    signal[2 * 44100, 0] = np.nan
    return Case("float-wav-nan-past-first-block", "song.wav", encode(signal, 44100, "WAV", "FLOAT"))


def _report(request, outcomes: Counter) -> None:
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_sep("-", f"corpus through a real worker: {sum(outcomes.values())} jobs")
        for outcome, count in sorted(outcomes.items(), key=lambda item: (-item[1], item[0])):
            reporter.write_line(f"{count:5d}  {outcome}")


def test_every_unusual_upload_is_separated_or_failed_plainly_and_refunded(
    start_worker, owner, owner_api, settings, request
):
    settings.STEMWORKS_MAX_DURATION_S = LIMIT_S
    settings.STEMWORKS_UPLOAD_THROTTLE_RATE = "100000/minute"
    paying_user(owner, credits=5000)
    process, log_path = start_worker(env={"STEMWORKS_MAX_DURATION_S": str(LIMIT_S)})
    cases = [*unusual.cases(), _nan_past_the_first_block()]
    jobs = {}
    for case in cases:
        upload = SimpleUploadedFile(case.filename, case.data)
        response = owner_api.post(
            "/api/v1/jobs", {"file": upload, "model": "unet-2stems"}, format="multipart"
        )
        assert response.status_code == 201, (case.id, response.content)
        jobs[response.json()["id"]] = case.id

    def all_finished() -> bool:
        return not Job.objects.filter(id__in=jobs, status__in=["queued", "running"]).exists()

    wait_until(all_finished, process, log_path, timeout=900, what="every corpus job finishing")

    outcomes: Counter[str] = Counter()
    for job in Job.objects.filter(id__in=jobs).prefetch_related("stems"):
        case = jobs[str(job.id)]
        refunds = CreditTransaction.objects.filter(job=job, kind="refund").count()
        if job.status == "succeeded":
            assert refunds == 0, case
            assert job.stems.count() == 2, case
            outcomes["succeeded"] += 1
        else:
            assert job.status == "failed", (case, job.status)
            assert_plain(job.error)
            assert refunds == 1, (case, job.error)
            outcomes[f"failed, refunded: {job.error.split(':')[0]}"] += 1
    _report(request, outcomes)
    log = log_path.read_text()
    assert process.poll() is None, "the worker died:\n" + log[-3000:]
    assert "Traceback" not in log, log[-5000:]
    # Every valid file is separated; only the one with NaN past the first block fails.
    assert outcomes["succeeded"] == len(unusual.cases()), outcomes


def test_a_decoder_crash_fails_the_job_plainly_and_the_worker_takes_the_next(
    start_worker, owner, owner_api
):
    paying_user(owner, credits=100)
    process, log_path = start_worker(launcher=CRASHING_DECODER_WORKER)
    crashing = encode(tone(seconds=1.0, channels=CRASH_CHANNELS), 44100, "WAV", "PCM_16")
    ids = []
    for name, data in (("crash.wav", crashing), ("fine.wav", encode(tone(), 44100, "WAV"))):
        upload = SimpleUploadedFile(name, data)
        response = owner_api.post(
            "/api/v1/jobs", {"file": upload, "model": "unet-2stems"}, format="multipart"
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])

    def both_finished() -> bool:
        return not Job.objects.filter(id__in=ids, status__in=["queued", "running"]).exists()

    wait_until(both_finished, process, log_path, timeout=300, what="both jobs finishing")

    crashed, fine = (Job.objects.get(id=job_id) for job_id in ids)
    assert crashed.status == "failed"
    assert crashed.error == refusals.DECODER_FAILED
    assert CreditTransaction.objects.filter(job=crashed, kind="refund").count() == 1
    assert fine.status == "succeeded", fine.error
    assert process.poll() is None
    assert "Traceback" not in log_path.read_text()
