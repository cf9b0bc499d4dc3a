"""HTTP responses for stored audio: byte ranges or a signed redirect, a streamed zip, result.json.

They send stored bytes as they are: no audio is decoded or encoded in a web process.
"""

import base64
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from zipstream import ZIP_STORED, ZipStream

from webapp import storage
from webapp.jobs import stem_files
from webapp.jobs.models import Job, Stem

CHUNK = storage.CHUNK
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


def stored_file_response(
    request: HttpRequest, name: str, *, size: int | None, content_type: str, filename: str
) -> HttpResponse:
    """Serve a stored file: a redirect to a signed URL on S3, else streamed with Range.

    `size` None: the storage is asked, only when the file is streamed.
    """
    url = storage.signed_url(name, filename=filename, content_type=content_type)
    if url is not None:
        response = HttpResponseRedirect(url)
        # The signed URL expires within minutes: never reuse this answer.
        response["Cache-Control"] = "private, no-store"
        return response
    return ranged_response(
        request,
        default_storage.open(name, "rb"),
        size=default_storage.size(name) if size is None else size,
        content_type=content_type,
        filename=filename,
    )


def zip_response(
    members: Iterable[tuple[str, int, Iterable[bytes]]], *, filename: str
) -> StreamingHttpResponse:
    """Stream a zip of (name, size, chunks) members as it is written, nothing spooled.

    Audio barely compresses: members are stored, so the zip's length is known up front.
    """
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for name, size, chunks in members:
        archive.add(chunks, name, size=size)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stem_response(request: HttpRequest, stem: Stem, *, fmt: str) -> HttpResponse:
    """Serve the stored copy of `stem` in `fmt` (400 unknown, 409 not stored), as stored."""
    stored = stem_files.stem_format(fmt)
    row = stem_files.stem_file(stem=stem, fmt=stored.key)
    return stored_file_response(
        request,
        row.file.name,
        size=row.size,
        content_type=stored.content_type,
        filename=stored.filename(stem.name),
    )


def stems_zip_response(job: Job, *, fmt: str) -> StreamingHttpResponse:
    """Stream every stem of a finished job, as stored in `fmt`, in one zip."""
    stored = stem_files.stem_format(fmt)
    rows = [(stem, stem_files.stem_file(stem=stem, fmt=stored.key)) for stem in job.stems.all()]
    members = [
        (stored.filename(stem.name), row.size, storage.stored_chunks(row.file.name))
        for stem, row in rows
    ]
    return zip_response(members, filename=f"stems-{job.id}.zip")


def peaks_response(request: HttpRequest, stem: Stem) -> HttpResponse:
    """Serve a stem's stored waveform peaks (JSON); 409 for a stem stored before them."""
    return stored_file_response(
        request,
        stem_files.stem_peaks(stem),
        size=None,
        content_type=stem_files.PEAKS_CONTENT_TYPE,
        filename=stem_files.peaks_filename(stem.name),
    )


def _base64_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    # Encode whole groups of 3 bytes, so the pieces join into one string without padding.
    rest = b""
    for chunk in chunks:
        data = rest + chunk
        cut = len(data) - len(data) % 3
        rest = data[cut:]
        if cut:
            yield base64.b64encode(data[:cut])
    if rest:
        yield base64.b64encode(rest)


def _result_json(members: list[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    yield b"{"
    for index, (name, chunks) in enumerate(members):
        yield (b", " if index else b"") + b'"' + name.encode() + b'": "'
        yield from _base64_chunks(chunks)
        yield b'"'
    yield b"}"


def result_json_response(members: list[tuple[str, Iterable[bytes]]]) -> StreamingHttpResponse:
    """Stream {stem name: base64 of its WAV file}, the contract of the original service."""
    return StreamingHttpResponse(_result_json(members), content_type="application/json")
