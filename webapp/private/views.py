"""Private mode: the page that separates a song in the visitor's browser, and the files it needs.

Nothing here receives audio: the views serve the page, its scripts (the worker and
onnxruntime-web's files under /private/app/), the service worker that keeps them for offline
use, and the ONNX model built by `make private-model`.
"""

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from csp.constants import SELF, WASM_UNSAFE_EVAL
from csp.decorators import csp_update
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import condition, require_GET

from webapp.private.model_files import NOT_BUILT, browser_model

# Longest song the page takes: it holds the song and its two stems, stereo float32 at
# 44.1 kHz (3 x 2 x 4 x 44100 bytes = 63.5 MB a minute), so 15 minutes need about 950 MB.
MAX_MINUTES = 15
BYTES_PER_MINUTE = 3 * 2 * 4 * 44100 * 60
STEMS = ("vocals", "accompaniment")
# The page's and the player's own static files, kept by the service worker for offline use.
PAGE_STATIC = (
    "stemworks/site.css",
    "stemworks/favicon.svg",
    "stemworks/api.js",
    "stemworks/player.js",
    "private/private.css",
    "private/page.js",
    "private/audio-files.js",
    "private/model-cache.js",
    "private/separation.js",
)
# Scripts the worker loads, besides onnxruntime-web's files in ort/ (`make ort-files`).
WORKER_FILES = ("separator-worker.js", "dsp.js")
ORT_DIR = Path(__file__).parent / "static" / "private" / "ort"
ASSET_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".css": "text/css",
    ".json": "application/json",
}
# Cross-origin isolation lets onnxruntime-web run its threaded WASM build (SharedArrayBuffer).
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Only what onnxruntime-web needs beyond the site's policy: compiling WebAssembly, and
# workers from this site (the separator and onnxruntime's own threads).
ORT_CSP = {"script-src": [WASM_UNSAFE_EVAL], "worker-src": [SELF]}


def isolated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view` cross-origin isolated, under the site's policy plus what ORT needs."""

    @csp_update(ORT_CSP)
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        for header, value in ISOLATION_HEADERS.items():
            response[header] = value
        return response

    return wrapped


@require_GET
@isolated
def page(request: HttpRequest) -> HttpResponse:
    """The private-mode page, open to anyone: pick a song, separate it here, play the stems."""
    model = browser_model()
    player = {
        "duration": 0,
        "stems": [
            {"name": name, "listen": "", "peaks": None, "downloads": [{"label": "WAV", "url": ""}]}
            for name in STEMS
        ],
        "zips": [],
    }
    context = {
        "model": model,
        "not_built": NOT_BUILT,
        "player": player,
        "max_minutes": MAX_MINUTES,
        "limit_mb": round(MAX_MINUTES * BYTES_PER_MINUTE / 1e6, -1),
        "mb_per_minute": round(BYTES_PER_MINUTE / 1e6, 1),
    }
    return render(request, "private/page.html", context)


def _static_file(name: str) -> Path | None:
    """Return the path of static file `name` (e.g. "private/dsp.js"), or None."""
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found and Path(found).is_file() else None


def _file_etag(path: Path) -> str:
    stat = path.stat()
    return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'


def _asset_etag(request: HttpRequest, name: str) -> str | None:
    path = _static_file(f"private/{name}")
    return _file_etag(path) if path else None


@require_GET
@isolated  # outside `condition`, so a 304 carries the same headers and policy as the file
@condition(etag_func=_asset_etag)
def asset(request: HttpRequest, name: str) -> HttpResponse:
    """Serve the worker, its DSP and onnxruntime-web's files with the page's isolation and
    policy: a worker runs under the headers of its own script, not the page's."""
    path = _static_file(f"private/{name}")
    kind = ASSET_TYPES.get(Path(name).suffix)
    if path is None or kind is None:
        return HttpResponseNotFound("No such file.", content_type="text/plain")
    response = FileResponse(path.open("rb"), content_type=kind)
    response["Cache-Control"] = "no-cache"
    return response


def _worker_files() -> list[str]:
    """Return the worker's files by name under static/private/, onnxruntime's included."""
    ort = sorted(p.name for p in ORT_DIR.glob("*") if p.suffix in (".mjs", ".wasm"))
    return [*WORKER_FILES, *(f"ort/{name}" for name in ort)]


def _precache_urls() -> list[str]:
    """Return what the service worker keeps on install: the page and everything a
    separation loads but the model (about 14 MB of onnxruntime-web)."""
    urls = [reverse("private:page"), reverse("private:manifest")]
    urls += [static(name) for name in PAGE_STATIC]
    urls += [reverse("private:asset", args=[name]) for name in _worker_files()]
    return urls


def _service_worker_source() -> tuple[str, str]:
    """Return the service worker's script and a version that changes with what it caches."""
    script = _static_file("private/sw.js")
    digest = hashlib.sha256(script.read_bytes() if script else b"")
    for name in (*PAGE_STATIC, *(f"private/{n}" for n in _worker_files())):
        path = _static_file(name)
        # A file's name, size and time stand for its bytes (onnxruntime's are megabytes).
        digest.update(name.encode() + b"\0" + (_file_etag(path).encode() if path else b""))
    template = Path(__file__).parent / "templates" / "private" / "page.html"
    digest.update(template.read_bytes())
    version = digest.hexdigest()[:16]
    return (script.read_text() if script else ""), version


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (scope /private/): its cache list and version come first, so a
    change to any file it keeps changes the script and the browser installs the new one."""
    source, version = _service_worker_source()
    config = {"version": version, "precache": _precache_urls(), "static": static("")}
    body = f"self.STEMWORKS_OFFLINE = {JsonResponse(config).content.decode()};\n{source}"
    response = HttpResponse(body, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def _manifest_etag(request: HttpRequest) -> str | None:
    model = browser_model()
    return f'"{model.sha256}"' if model else None


@require_GET
@condition(etag_func=_manifest_etag)
def manifest(request: HttpRequest) -> HttpResponse:
    """The model's manifest (size, checksum, STFT settings); checked on every visit."""
    model = browser_model()
    if model is None:
        return HttpResponseNotFound(NOT_BUILT, content_type="text/plain")
    response = JsonResponse(model.manifest)
    response["Cache-Control"] = "no-cache"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _model_etag(request: HttpRequest, name: str) -> str | None:
    model = browser_model()
    return f'"{model.sha256}"' if model and model.path.name == name else None


@require_GET
@condition(etag_func=_model_etag)
def model_file(request: HttpRequest, name: str) -> HttpResponse:
    """The ONNX model. Asked for with ?sha256=<its checksum>, the URL names one model for
    good and may be cached for a year; asked for with another checksum, it is not found."""
    model = browser_model()
    if model is None:
        return HttpResponseNotFound(NOT_BUILT, content_type="text/plain")
    wanted = request.GET.get("sha256")
    if name != model.path.name or (wanted is not None and wanted != model.sha256):
        return HttpResponseNotFound("No such model file.", content_type="text/plain")
    response = FileResponse(model.path.open("rb"), content_type="application/octet-stream")
    response["Cache-Control"] = "public, max-age=31536000, immutable" if wanted else "no-cache"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
