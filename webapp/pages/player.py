"""What the multitrack player needs of a job: each stem's listening copy, peaks and downloads."""

from typing import Protocol

from django.http import HttpRequest

from webapp.jobs import stem_files
from webapp.jobs.models import Job, Status
from webapp.sharing.links import SharedLinks
from webapp.sharing.selectors import share_link_for_job

DOWNLOAD_FORMATS = (("wav", "WAV"), ("flac", "FLAC"), ("mp3", "MP3"))


class Links(Protocol):
    """JobLinks for the owner, SharedLinks for a share link's holder."""

    def stem(self, job_id: object, name: str, fmt: str | None = None) -> str: ...
    def zip(self, job_id: object) -> str: ...
    def peaks(self, job_id: object, name: str) -> str: ...


def playable(job: Job) -> bool:
    """Whether the job has stems to play (succeeded, not yet deleted by retention)."""
    return job.status == Status.SUCCEEDED and job.purged_at is None


def player_data(job: Job, links: Links) -> dict:
    """Return the player's data: stems (listening copy, peaks, downloads) and the zips."""
    stems = []
    for stem in job.stems.all():
        stored = {row.format for row in stem.files.all()}
        listen = stem_files.LISTEN_FORMAT if stem_files.LISTEN_FORMAT in stored else "mp3"
        stems.append(
            {
                "name": stem.name,
                "listen": links.stem(job.id, stem.name, listen),
                "peaks": links.peaks(job.id, stem.name) if stem.peaks else None,
                "duration": stem.duration,
                "downloads": [
                    {"label": label, "url": links.stem(job.id, stem.name, key)}
                    for key, label in DOWNLOAD_FORMATS
                    if key in stored
                ],
            }
        )
    zips = [
        {"label": label, "url": f"{links.zip(job.id)}?format={key}"}
        for key, label in DOWNLOAD_FORMATS
        if all(key in {row.format for row in s.files.all()} for s in job.stems.all())
    ]
    return {"duration": job.duration, "stems": stems, "zips": zips}


def share_link(*, job: Job, request: HttpRequest) -> dict | None:
    """Return the job's active share link as {token, url}, or None."""
    link = share_link_for_job(job=job)
    if link is None:
        return None
    return {"token": link.token, "url": SharedLinks(request, link.token).page()}
