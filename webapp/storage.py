"""Stored files beyond Django's storage API: signed URLs on S3, and reads in chunks.

The one place that knows which backend holds the files, so tests patch one module.
"""

from collections.abc import Iterator

from django.conf import settings
from django.core.files.storage import default_storage

CHUNK = 64 * 1024
S3_BACKEND = "storages.backends.s3.S3Storage"


def on_s3() -> bool:
    """Return whether files live in an S3-compatible bucket (else on local disk)."""
    return settings.STORAGES["default"]["BACKEND"] == S3_BACKEND


def signed_url(name: str, *, filename: str, content_type: str) -> str | None:
    """Return a short-lived URL that serves `name` straight from S3; None on local disk.

    The URL carries the download's file name and content type, so S3 answers with the
    same headers (and byte ranges) the API would.
    """
    if not on_s3():
        return None
    return default_storage.url(
        name,
        parameters={
            "ResponseContentDisposition": f'inline; filename="{filename}"',
            "ResponseContentType": content_type,
        },
        expire=settings.STEMWORKS_SIGNED_URL_SECONDS,
    )


def stored_chunks(name: str) -> Iterator[bytes]:
    """Yield the bytes of the stored file `name` in chunks, opening it on the first one."""
    if on_s3():
        # S3Storage.open() downloads the whole object first; the object's body streams.
        storage = default_storage
        key = storage._normalize_name(name)  # the key under the storage's location
        body = storage.bucket.Object(key).get()["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with default_storage.open(name, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk
