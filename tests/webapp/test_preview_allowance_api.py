"""GET /api/v1/previews: free previews left in the rolling 24 hours, and when the next frees up."""

from datetime import timedelta

from django.utils import timezone

from webapp.jobs.models import PreviewUse

URL = "/api/v1/previews"


def test_a_new_user_has_every_preview_left(owner_api, settings):
    settings.STEMWORKS_PREVIEWS_PER_DAY = 3

    body = owner_api.get(URL).json()

    assert body == {"per_day": 3, "used": 0, "left": 3, "next_at": None}


def test_it_counts_previews_of_the_last_day_only(owner_api, owner, settings):
    settings.STEMWORKS_PREVIEWS_PER_DAY = 3
    PreviewUse.objects.create(owner=owner, job_id="00000000-0000-0000-0000-000000000001")
    old = PreviewUse.objects.create(owner=owner, job_id="00000000-0000-0000-0000-000000000002")
    PreviewUse.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=2))

    body = owner_api.get(URL).json()

    assert (body["used"], body["left"], body["next_at"]) == (1, 2, None)


def test_with_none_left_it_says_when_the_oldest_preview_stops_counting(owner_api, owner, settings):
    settings.STEMWORKS_PREVIEWS_PER_DAY = 2
    taken = timezone.now() - timedelta(hours=20)
    for n, hours in enumerate((20, 1)):
        use = PreviewUse.objects.create(
            owner=owner, job_id=f"00000000-0000-0000-0000-00000000000{n}"
        )
        PreviewUse.objects.filter(id=use.id).update(
            created_at=timezone.now() - timedelta(hours=hours)
        )

    body = owner_api.get(URL).json()

    assert body["left"] == 0
    next_at = timezone.datetime.fromisoformat(body["next_at"])
    assert abs((next_at - (taken + timedelta(days=1))).total_seconds()) < 5


def test_it_needs_a_login(anonymous_api):
    assert anonymous_api.get(URL).status_code == 401
