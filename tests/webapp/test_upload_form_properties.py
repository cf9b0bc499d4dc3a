"""Hypothesis: any combination of the upload form's fields is answered without a server error.

Random models, targets, kinds, preview starts, sample rates, cost limits, bogus extra fields,
odd file names and contents (a small valid WAV, random bytes, a truncated WAV, nothing), empty
and huge values: a 201 charges exactly the quoted cost and stores one job; any 4xx charges
nothing, creates no job and leaves no stored file.
"""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import JobFactory, wav_bytes
from webapp.billing.selectors import credits_balance
from webapp.jobs.models import Job, Kind

URL = reverse("jobs:list")
QUOTE_URL = reverse("jobs:quote")
WAV = wav_bytes(1.5)
FIELDS = {
    "file",
    "source_job",
    "model",
    "target",
    "kind",
    "preview_start",
    "sample_rate",
    "max_cost",
}

huge = st.sampled_from(["x" * 5000, "9" * 400, "\u00e9" * 3000])
odd_text = st.one_of(st.text(max_size=40), huge, st.just(""))
number_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1e309", "-0", "0x10", " 3 ", "NaN", "1_000"]),
    odd_text,
)


def optional(*values: str):
    """Leave the field out (None) or send one of its valid `values`."""
    return st.one_of(st.none(), st.sampled_from(values))


valid_forms = st.fixed_dictionaries(
    {
        "model": optional("unet-2stems", "htdemucs"),
        "target": optional("all", "vocals", "accompaniment", "drums"),
        "kind": optional("full", "preview"),
        "preview_start": st.one_of(st.none(), st.none(), st.sampled_from(["0", "0.5", "1.4"])),
        "sample_rate": optional("44100", "input"),
        "max_cost": optional("0", "1", "2", "5"),
    }
)
# Up to two fields replaced by nonsense, an earlier job named, or bogus fields added.
broken_fields = st.one_of(
    st.just({}),
    st.just({}),
    st.dictionaries(
        st.sampled_from(sorted(FIELDS - {"file", "source_job"})),
        number_text,
        min_size=1,
        max_size=2,
    ),
)
source_jobs = st.one_of(st.none(), st.none(), st.sampled_from(["own", "other", "random", "junk"]))
extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=20).filter(lambda k: k not in FIELDS), odd_text, max_size=2
)
file_names = st.one_of(
    st.sampled_from(["song.wav", "chanson d'été.wav", "歌.WAV", "a" * 300 + ".wav", ".wav"]),
    st.text(min_size=1, max_size=80),
)
bad_contents = st.one_of(
    st.sampled_from([WAV[: len(WAV) // 3], b"RIFF" + b"\x00" * 40, b"", b"not audio"]),
    st.binary(min_size=1, max_size=4096),
    # A WAV header that promises 1.5 s, followed by random bytes.
    st.binary(max_size=4096).map(lambda tail: WAV[:44] + tail),
)
uploads = st.one_of(
    st.none(),
    st.tuples(file_names, st.just(WAV)),
    st.tuples(st.just("song.wav"), st.just(WAV)),
    st.tuples(file_names, bad_contents),
)


@pytest.fixture
def form_world(owner, other_user, settings, media_root):
    """A rich customer, an earlier job of theirs and one of another user's; no limits in the way."""
    from webapp.billing.services import credits_grant

    settings.STEMWORKS_UPLOAD_THROTTLE_RATE = "100000/minute"
    settings.STEMWORKS_PREVIEWS_PER_DAY = 100000
    credits_grant(user=owner, amount=100000, reason="fuzzing")
    return {
        "own": str(JobFactory(owner=owner, kind=Kind.PREVIEW).id),
        "other": str(JobFactory(owner=other_user).id),
        "media_root": media_root,
    }


def _stored_files(media_root) -> set:
    return {p for p in media_root.rglob("*") if p.is_file()} if media_root.exists() else set()


def _data(form: dict, broken: dict, extra: dict, source, upload, world: dict) -> dict:
    """Return the multipart form: valid fields, then the broken ones and bogus extras."""
    data = {**extra, **{key: value for key, value in form.items() if value is not None}}
    data.update(broken)
    if source is not None:
        ids = {"own": world["own"], "other": world["other"], "random": str(uuid.uuid4())}
        data["source_job"] = ids.get(source, "not-a-uuid")
    if upload is not None:
        name, content = upload
        data["file"] = SimpleUploadedFile(name, content, content_type="audio/wav")
    return data


BOUNDED = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@BOUNDED
@given(
    form=valid_forms, broken=broken_fields, extra=extra_fields, source=source_jobs, upload=uploads
)
def test_any_upload_form_is_answered_without_a_server_error(
    owner_api, owner, form_world, form, broken, extra, source, upload
):
    data = _data(form, broken, extra, source, upload, form_world)

    status = _post_and_check_the_money(owner_api, owner, form_world, data)

    event(f"HTTP {status}")


@BOUNDED
@given(form=valid_forms, name=file_names, source=st.sampled_from([None, None, "own"]))
def test_a_well_formed_upload_is_queued_or_refused_for_its_options(
    owner_api, owner, form_world, form, name, source
):
    data = _data(form, {}, {}, source, None if source else (name, WAV), form_world)

    status = _post_and_check_the_money(owner_api, owner, form_world, data)

    # 400: a target the model lacks, or a start time for a full job; 409: above max_cost.
    assert status in {201, 400, 409}
    if not (form["max_cost"] or form["preview_start"] or form["target"] not in {None, "all"}):
        assert status == 201
    event(f"HTTP {status}")


def _post_and_check_the_money(client, owner, world: dict, data: dict) -> int:
    """Post the form; a 201 charged exactly the quoted cost, a 4xx nothing at all."""
    balance, jobs = credits_balance(user=owner), Job.objects.count()
    files = _stored_files(world["media_root"])

    response = client.post(URL, data, format="multipart")

    assert response.status_code < 500, response.content
    if response.status_code == 201:
        job = Job.objects.get(id=response.json()["id"])
        charged = balance - credits_balance(user=owner)
        assert charged == job.cost == response.json()["cost"]
        if job.kind == Kind.FULL:
            quote = client.get(QUOTE_URL, {"model": job.model, "duration": job.duration})
            assert charged == quote.json()["cost"]
        else:
            assert charged == 0
        assert Job.objects.count() == jobs + 1
    else:
        assert 400 <= response.status_code < 500
        assert isinstance(response.json(), dict) and response.json()
        assert credits_balance(user=owner) == balance
        assert Job.objects.count() == jobs
        assert _stored_files(world["media_root"]) == files
    return response.status_code
