"""The generated corpus through POST /api/v1/jobs: every malformed file 400, every unusual one 201.

A refusal is one of the plain sentences (never the decoder's words), nothing is stored or
charged; an accepted file becomes a queued job of the right length. No request may end
in a server error or log one. Counts by outcome are printed at the end of the module.
"""

import os
import re
import signal
import time
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from separation import audio, isolated, refusals
from tests.corpus import LIMIT_S, malformed, unusual
from tests.factories import paying_user
from tests.separation.test_refusals import assert_plain
from webapp.billing.models import CreditTransaction
from webapp.jobs.models import Job

URL = reverse("jobs:list")
MALFORMED = malformed.cases()
UNUSUAL = unusual.cases()
OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def counts_by_outcome(request):
    """Print how many uploads got which answer, with or without -s."""
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not OUTCOMES:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        total = sum(OUTCOMES.values())
        reporter.write_sep("-", f"corpus through the upload endpoint: {total} files")
        for outcome, count in sorted(OUTCOMES.items(), key=lambda item: (-item[1], item[0])):
            reporter.write_line(f"{count:5d}  {outcome}")


@pytest.fixture(autouse=True)
def corpus_settings(settings, owner, monkeypatch):
    settings.STEMWORKS_MAX_DURATION_S = LIMIT_S
    settings.STEMWORKS_UPLOAD_THROTTLE_RATE = "100000/minute"
    paying_user(owner, credits=1000)
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)


def _post(api, case):
    upload = SimpleUploadedFile(case.filename, case.data)
    return api.post(
        URL, {"file": upload, "model": "unet-2stems", "kind": "full"}, format="multipart"
    )


def _kind(message: str) -> str:
    """The sentence with its numbers and names blanked, to count refusals by reason."""
    return re.sub(r"(?<![\w-])\d+(\.\d+)?(:\d\d)?(?![\w-])", "N", message.split(": ")[0])


@pytest.mark.parametrize("case", MALFORMED, ids=[case.id for case in MALFORMED])
def test_a_malformed_upload_is_refused_with_a_plain_reason(owner_api, media_root, case, caplog):
    response = _post(owner_api, case)

    assert response.status_code == 400, response.content
    message = response.json()["file"][0]
    assert_plain(message)
    OUTCOMES[f"400  {_kind(message)}"] += 1
    assert Job.objects.count() == 0
    assert not CreditTransaction.objects.filter(kind="charge").exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize("case", UNUSUAL, ids=[case.id for case in UNUSUAL])
def test_an_unusual_but_valid_upload_becomes_a_queued_job(owner_api, case, caplog):
    response = _post(owner_api, case)

    assert response.status_code == 201, response.content
    OUTCOMES["201  accepted"] += 1
    job = Job.objects.get(id=response.json()["id"])
    assert job.status == "queued"
    assert 0 < job.input_duration <= LIMIT_S * 1.01 + 1
    assert CreditTransaction.objects.filter(kind="charge", job=job).count() == 1
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_the_corpus_is_as_large_as_promised():
    assert len(MALFORMED) >= 300
    assert len(UNUSUAL) >= 50


def _crash(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGSEGV)


def _hang(*args, **kwargs):
    time.sleep(60)


@pytest.mark.parametrize(
    ("failure", "reason"),
    [(_crash, refusals.DECODER_FAILED), (_hang, refusals.DECODER_TIMEOUT)],
    ids=["decoder-crash", "decoder-hang"],
)
def test_a_decoder_that_crashes_or_hangs_on_an_upload_gives_400_and_the_server_goes_on(
    owner_api, monkeypatch, failure, reason
):
    valid = UNUSUAL[0]
    monkeypatch.setattr(isolated, "PROBE_SECONDS", 1.0)
    with monkeypatch.context() as broken:
        broken.setattr(audio, "_check_header", failure)
        response = _post(owner_api, valid)

    assert response.status_code == 400
    assert response.json()["file"] == [reason]
    assert Job.objects.count() == 0
    assert _post(owner_api, valid).status_code == 201
