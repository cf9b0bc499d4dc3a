"""Stored files beyond Django's storage API: signed URLs on S3, and reads in chunks.

The one place that knows which backend holds the files, so tests patch one module.
"""

import functools
from collections.abc import Iterator

import boto3
from botocore.config import Config
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
    parameters = {
        "ResponseContentDisposition": f'inline; filename="{filename}"',
        "ResponseContentType": content_type,
    }
    expire = settings.STEMWORKS_SIGNED_URL_SECONDS
    if not settings.STEMWORKS_S3_PUBLIC_URL:
        return default_storage.url(name, parameters=parameters, expire=expire)
    # Browsers reach the S3 server at another address than the workers do (MinIO behind
    # compose): sign for the public address; signing needs no request to the server.
    key = default_storage._normalize_name(name)
    return _public_client(settings.STEMWORKS_S3_PUBLIC_URL).generate_presigned_url(
        "get_object",
        Params={"Bucket": default_storage.bucket_name, "Key": key, **parameters},
        ExpiresIn=expire,
    )


@functools.cache
def _public_client(endpoint_url: str):
    options = settings.STORAGES["default"]["OPTIONS"]
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
        region_name=options["region_name"],
        config=Config(signature_version="s3v4"),
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
