"""GET /api/v1/jobs: the caller's jobs, paginated, newest first."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.factories import JobFactory, succeeded_job
from webapp.jobs.models import Job

URL = reverse("jobs:list")


def test_it_lists_only_the_callers_jobs_newest_first(owner_api, owner, other_user):
    older = JobFactory(owner=owner)
    newer = JobFactory(owner=owner)
    Job.objects.filter(id=older.id).update(created_at=timezone.now() - timedelta(hours=1))
    JobFactory(owner=other_user)

    body = owner_api.get(URL).json()

    assert body["count"] == 2
    assert [job["id"] for job in body["results"]] == [str(newer.id), str(older.id)]


def test_it_paginates(owner_api, owner):
    JobFactory.create_batch(3, owner=owner)

    first = owner_api.get(URL, {"page_size": 2}).json()
    second = owner_api.get(first["next"]).json()

    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_staff_see_only_their_own_jobs_through_the_api(staff_api, owner):
    JobFactory(owner=owner)

    assert staff_api.get(URL).json()["count"] == 0


def test_it_returns_401_without_credentials(anonymous_api, db):
    assert anonymous_api.get(URL).status_code == 401


def test_every_link_of_every_listed_job_is_its_own(owner_api, owner):
    jobs = [succeeded_job(owner, formats=("wav", "listen")) for _ in range(3)]

    listed = {job["id"]: job for job in owner_api.get(URL).json()["results"]}

    for job in jobs:
        body = listed[str(job.id)]
        assert body["zip_url"] == f"http://testserver{reverse('jobs:zip', args=[job.id])}"
        assert body["result_json_url"].endswith(reverse("jobs:result-json", args=[job.id]))
        for stem in body["stems"]:
            expected = reverse("jobs:stem", args=[job.id, stem["name"]])
            assert stem["url"] == f"http://testserver{expected}"
            assert stem["listen_url"] == f"http://testserver{expected}?format=listen"
