"""The stems of a job in its API output: the old shape, plus every stored copy and listen_url."""

from django.urls import reverse

from tests.factories import JobFactory, succeeded_job


def detail(client, job) -> dict:
    return client.get(reverse("jobs:detail", args=[job.id])).json()


def test_each_stem_keeps_its_old_fields_and_lists_every_stored_copy(owner_api, owner):
    job = succeeded_job(owner, formats=("wav", "flac", "mp3", "listen"))
    rows = {row.format: row for row in job.stems.get(name="vocals").files.all()}
    base = f"http://testserver/api/v1/jobs/{job.id}/stems/vocals"

    stem = detail(owner_api, job)["stems"][0]

    assert stem["name"] == "vocals"
    assert (stem["format"], stem["size"], stem["url"]) == ("wav", rows["wav"].size, base)
    assert (stem["duration"], stem["sample_rate"]) == (1.0, 44100)
    assert stem["listen_url"] == f"{base}?format=listen"
    assert stem["files"] == [
        {"format": f, "size": rows[f].size, "sample_rate": 44100, "url": f"{base}?format={f}"}
        for f in ("wav", "flac", "mp3", "listen")
    ]


def test_a_job_stored_before_every_format_has_no_listen_url(owner_api, owner):
    stem = detail(owner_api, succeeded_job(owner))["stems"][0]

    assert stem["listen_url"] is None
    assert [f["format"] for f in stem["files"]] == ["wav"]


def test_the_stem_urls_give_what_the_listing_promises(owner_api, owner):
    job = succeeded_job(owner, formats=("wav", "flac", "mp3", "listen"))

    for copy in detail(owner_api, job)["stems"][1]["files"]:
        response = owner_api.get(copy["url"])
        assert response.status_code == 200
        assert len(b"".join(response.streaming_content)) == copy["size"]


def test_the_job_list_makes_no_query_per_stem(owner_api, owner, django_assert_max_num_queries):
    for _ in range(5):
        succeeded_job(owner, formats=("wav", "flac", "mp3", "listen"))

    with django_assert_max_num_queries(8):
        response = owner_api.get(reverse("jobs:list"))

    assert len(response.json()["results"]) == 5


def test_formats_lists_what_the_stems_answer(owner_api, owner):
    unfinished = JobFactory(owner=owner)
    stored = succeeded_job(owner, formats=("wav", "flac", "mp3", "listen"))
    old = succeeded_job(owner)  # stored before every format was: WAV only

    def formats(job):
        return owner_api.get(reverse("jobs:detail", args=[job.id])).json()["formats"]

    assert formats(unfinished) == ["wav", "flac", "mp3", "listen"]
    assert formats(stored) == ["wav", "flac", "mp3", "listen"]
    assert formats(old) == ["wav"]
