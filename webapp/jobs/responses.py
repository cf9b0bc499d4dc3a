"""HTTP responses for audio: byte ranges for players, a zip of stems, the result.json contract."""

import base64
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """Return (first, last) of a single byte range; None: send it all; False: unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not match:
        return None  # absent, malformed or multi-range: a full response is always allowed
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return False
    return start, end


def _read_span(fileobj: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        fileobj.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fileobj.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        fileobj.close()


def ranged_response(
    request: HttpRequest, fileobj: BinaryIO, *, size: int, content_type: str, filename: str
) -> HttpResponse:
    """Stream a file, honouring a single `Range: bytes=` request with 206 or 416."""
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        fileobj.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = StreamingHttpResponse(_read_span(fileobj, 0, size), content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        response = StreamingHttpResponse(
            _read_span(fileobj, start, end - start + 1), content_type=content_type, status=206
        )
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


def zip_response(members: Iterable[tuple[str, BinaryIO]], *, filename: str) -> FileResponse:
    """Return a zip of (name, file) members, spooled to disk when large."""
    # The response closes the spool once it is sent.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    # Audio barely compresses: store, and spend no CPU on deflate.
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, fileobj in members:
            with fileobj, archive.open(name, "w", force_zip64=True) as out:
                while chunk := fileobj.read(CHUNK):
                    out.write(chunk)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type="application/zip"
    )


def _base64_chunks(fileobj: BinaryIO) -> Iterator[bytes]:
    with fileobj:
        # A multiple of 3 bytes encodes without padding, so the pieces join into one string.
        while chunk := fileobj.read(3 * CHUNK):
            yield base64.b64encode(chunk)


def _result_json(members: list[tuple[str, BinaryIO]]) -> Iterator[bytes]:
    yield b"{"
    for index, (name, fileobj) in enumerate(members):
        yield (b", " if index else b"") + b'"' + name.encode() + b'": "'
        yield from _base64_chunks(fileobj)
        yield b'"'
    yield b"}"


def result_json_response(members: list[tuple[str, BinaryIO]]) -> StreamingHttpResponse:
    """Stream {stem name: base64 of its WAV file}, the contract of the original service."""
    return StreamingHttpResponse(_result_json(members), content_type="application/json")
