"""Player start: from pressing play to every stem sounding, for a 10-minute, 4-stem job.

Run from the repository root (Chromium at /usr/bin/chromium, as for the browser tests):

    .venv/bin/python bench/player_start.py [--minutes 10] [--repeats 5]

It makes a throwaway embedded install (a temporary STEMWORKS_VAR_DIR: SQLite, local
files, static files collected, as `make run` does), and in it a succeeded htdemucs job of
`--minutes` minutes with four stems (drums, bass, other, vocals) stored as the worker
stores what the player uses: each stem's listening copy (webapp.jobs.stem_files.LISTEN,
160 kb/s MP3 at 44.1 kHz, encoded by separation.audio.AudioWriter from a synthetic
signal: noise bursts, a bass line, a chord, a vibrato voice) and its waveform peaks
(separation.peaks.PeaksAccumulator). Then `manage.py runserver --noreload` serves it on
localhost and headless Chromium (Playwright, a fresh context each time: no cache, no
cookies but the session's) opens /jobs/<id>/ and clicks #play as soon as the page has
loaded. The time counted runs from the click (performance.now() in the page, when the
click reaches the button) until every stem's <audio> is playing (not paused, currentTime
> 0).

Baseline, in the same run and the same way: a plain page on the same server with one
<audio preload="auto"> of one of the same listening copies and a button that calls
play(). Each figure is also given as a ratio to it. Bytes: what the browser received
from the server before the sound started (Chrome DevTools Protocol Network.dataReceived,
timed against the page's clock), of the media files and in all, against the size of the
stored files, to show that the player streams rather than downloading whole files
first. Target (issue 8): every stem sounding within 2 s of pressing play.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.browser.harness import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.live_server import embedded_env, free_port  # noqa: E402

TARGET_S = 2.0
RATE = 44100
STEMS = ("drums", "bass", "other", "vocals")
BLOCK_S = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: `apt-get install chromium`.", file=sys.stderr)
        return 2

    var_dir = Path(tempfile.mkdtemp(prefix="player-start-"))
    try:
        env = embedded_env(var_dir)
        os.environ.clear()
        os.environ.update(env, DJANGO_SETTINGS_MODULE="webapp.settings")
        started = time.perf_counter()
        job_id, cookie, listen_paths = build_install(args.minutes)
        sizes = [path.stat().st_size for path in listen_paths]
        print(
            f"install: {args.minutes:g}-minute htdemucs job, {len(STEMS)} stems, listening "
            f"copies of {statistics.mean(sizes) / 1e6:.1f} MB each, made in "
            f"{time.perf_counter() - started:.0f} s"
        )
        print(f"load average at start: {load_average()}")
        with runserver(env, var_dir) as url:
            results = measure(url, job_id, cookie, args.repeats)
        print(f"load average at end: {load_average()}")
        report(results, sum(sizes), sizes[0])
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the install: a finished job stored as the worker stores it ---------------------------


def signal(stem: str, start: int, frames: int) -> np.ndarray:
    """Return (2, frames) float32 of a stem-like synthetic signal from sample `start` on."""
    t = (start + np.arange(frames)) / RATE
    if stem == "drums":  # a noise burst on every beat, decaying
        envelope = np.exp(-12 * (t % 0.5))
        noise = np.random.default_rng(start).standard_normal((2, frames))
        return (0.4 * envelope * noise).astype(np.float32)
    if stem == "bass":  # a bass line changing note every two seconds
        freq = np.where((t // 2) % 2 == 0, 55.0, 73.4)
        mono = 0.5 * np.sin(2 * np.pi * freq * t)
    elif stem == "other":  # a chord
        mono = sum(0.15 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
    else:  # a voice: vibrato and phrasing
        freq = 330 + 8 * np.sin(2 * np.pi * 5 * t)
        mono = 0.3 * np.sin(2 * np.pi * np.cumsum(freq) / RATE) * (np.sin(np.pi * t / 4) ** 2)
    return np.stack([mono, 0.9 * mono]).astype(np.float32)


def encode_stem(stem: str, seconds: float, folder: str) -> tuple[str, str]:
    """Encode a stem's listening copy and its peaks into `folder`; return both paths."""
    from separation import audio
    from separation.peaks import PeaksAccumulator
    from webapp.jobs.stem_files import LISTEN

    mp3 = Path(folder) / f"{stem}.{LISTEN.suffix}"
    peaks = PeaksAccumulator(RATE)
    total = int(seconds * RATE)
    with audio.AudioWriter(
        mp3, RATE, LISTEN.codec, mp3_bitrate=LISTEN.mp3_bitrate, out_rate=LISTEN.sample_rate
    ) as writer:
        for start in range(0, total, BLOCK_S * RATE):
            block = signal(stem, start, min(BLOCK_S * RATE, total - start))
            writer.write(block)
            peaks.add(block)
    peaks_path = Path(folder) / f"{stem}.peaks.json"
    peaks.write(peaks_path)
    return str(mp3), str(peaks_path)


def build_install(minutes: float) -> tuple[str, dict, list[Path]]:
    """Migrate, collect static files, store the job; return its id, a session cookie, files."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from tests.factories import UserFactory
    from webapp.jobs import layout
    from webapp.jobs.models import Job, Kind, Status, Stem, StemFile
    from webapp.jobs.stem_files import LISTEN, PEAKS_SUFFIX

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seconds = 60 * minutes
    scratch = tempfile.mkdtemp(prefix="stems-", dir=settings.VAR_DIR)
    with ProcessPoolExecutor(max_workers=2) as pool:
        encoded = list(pool.map(encode_stem, STEMS, [seconds] * 4, [scratch] * 4))

    user = UserFactory(username="listener")
    job = Job.objects.create(
        owner=user, original_name="ten minutes.flac", duration=seconds,
        input_duration=seconds, model="htdemucs", target="all", kind=Kind.FULL,
        status=Status.SUCCEEDED, progress=100, stage="done", finished_at=timezone.now(),
    )  # fmt: skip
    stored = []
    for name, (mp3, peaks) in zip(STEMS, encoded, strict=True):
        with open(peaks, "rb") as local:
            peaks_name = default_storage.save(
                layout.stem_name(job.id, name, PEAKS_SUFFIX), File(local)
            )
        with open(mp3, "rb") as local:
            mp3_name = default_storage.save(
                layout.stem_name(job.id, name, LISTEN.suffix), File(local)
            )
        stem = Stem.objects.create(job=job, name=name, duration=seconds, peaks=peaks_name)
        StemFile.objects.create(
            stem=stem, format=LISTEN.key, file=mp3_name,
            size=default_storage.size(mp3_name), sample_rate=RATE,
        )  # fmt: skip
        stored.append(Path(default_storage.path(mp3_name)))
    shutil.rmtree(scratch)

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return str(job.id), {"name": cookie.key, "value": cookie.value}, stored


class runserver:
    """`manage.py runserver --noreload` in the install's environment, as `make run` starts it."""

    def __init__(self, env: dict[str, str], var_dir: Path) -> None:
        self.env, self.log = env, var_dir / "web.log"

    def __enter__(self) -> str:
        port = free_port()
        self.file = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT, env=self.env, stdout=self.file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_until_listening(url, self.process, self.log)
        return url

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.file.close()


def _wait_until_listening(url: str, process: subprocess.Popen, log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("runserver exited:\n" + log.read_text(errors="replace")[-3000:])
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("runserver did not answer")


# --- the browser ----------------------------------------------------------------------------

# Resolves when every <audio> on the page plays: ms from the click on `button`, and when
# (ms since the epoch) the sound started, for counting the bytes received before it.
WATCH = """(selector) => {
  window.__started = new Promise((resolve) => {
    document.querySelector(selector).addEventListener("click", () => {
      const clicked = performance.now();
      const audios = [...document.querySelectorAll("audio")];
      const check = () => {
        if (audios.every((a) => !a.paused && a.currentTime > 0)) {
          const now = performance.now();
          resolve({ ms: now - clicked, soundAt: performance.timeOrigin + now,
                    clickAt: performance.timeOrigin + clicked,
                    times: audios.map((a) => a.currentTime) });
        } else setTimeout(check, 2);
      };
      check();
    }, { capture: true, once: true });
  });
}"""

BASELINE = """(src) => {
  document.body.innerHTML = '<button id="bench-play">play</button>';
  const audio = document.createElement("audio");
  audio.preload = "auto";
  audio.src = src;
  document.body.appendChild(audio);
  document.querySelector("#bench-play").addEventListener("click", () => audio.play());
}"""


# The two moments play is pressed: once the page has loaded (its media preloading), and
# at once (the player's page: on DOMContentLoaded, before any media has arrived).
TRIES = (("player", "after load"), ("baseline", "after load"), ("player", "at once"),
         ("baseline", "at once"))  # fmt: skip
# Clicks the player's #play on DOMContentLoaded (player.js has mounted by then).
CLICK_AT_ONCE = f"""document.addEventListener("DOMContentLoaded", () => {{
  ({WATCH})("#play");
  document.querySelector("#play").click();
}});"""


def measure(url: str, job_id: str, cookie: dict, repeats: int) -> dict[tuple, list[dict]]:
    """Open the player and the baseline `repeats` times each, taking turns; return each try."""
    from playwright.sync_api import sync_playwright

    listen = f"/api/v1/jobs/{job_id}/stems/{STEMS[0]}?format=listen"
    results: dict[tuple, list[dict]] = {key: [] for key in TRIES}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for attempt in range(repeats + 1):  # the first round warms the server up
                for key in TRIES:
                    result = one_try(browser, url, cookie, key, job_id, listen)
                    if attempt:
                        results[key].append(result)
                    print(
                        f"{'warm-up' if not attempt else f'try {attempt}'} {', '.join(key)}: "
                        f"{result['ms']:.0f} ms; media received: "
                        f"{result['click_bytes'] / 1e6:.2f} MB before the click, "
                        f"{result['media_bytes'] / 1e6:.2f} MB before the sound"
                    )
        finally:
            browser.close()
    return results


def one_try(browser, url: str, cookie: dict, key: tuple, job_id: str, listen: str) -> dict:
    """Open a page in a fresh context, press play (after load, or at once), time the sound."""
    name, when = key
    context = browser.new_context(base_url=url)
    context.add_cookies([{**cookie, "url": url}])
    page = context.new_page()
    received = _record_bytes(context, page)
    try:
        if name == "player" and when == "at once":
            page.add_init_script(CLICK_AT_ONCE)
            page.goto(f"/jobs/{job_id}/", wait_until="domcontentloaded")
        elif name == "player":
            page.goto(f"/jobs/{job_id}/", wait_until="load")
            page.evaluate(WATCH, "#play")
            page.click("#play")
        else:
            page.goto("/healthz", wait_until="load")
            page.evaluate(BASELINE, listen)
            if when == "after load":  # as long as the player's page takes to load
                page.wait_for_timeout(100)
            page.evaluate(WATCH, "#bench-play")
            page.evaluate("document.querySelector('#bench-play').click()")
        result = page.evaluate("window.__started")
        page.wait_for_timeout(300)  # let late dataReceived events arrive
        assert all(t > 0 for t in result["times"]), result
        result["audios"] = len(result["times"])
        media = [(at, size) for at, size, is_media in received["chunks"] if is_media]
        result["media_bytes"] = sum(size for at, size in media if at <= result["soundAt"])
        result["click_bytes"] = sum(size for at, size in media if at <= result["clickAt"])
        return result
    finally:
        context.close()


def _record_bytes(context, page) -> dict:
    """Record (epoch ms, bytes, is media) for every chunk the page receives, via CDP."""
    session = context.new_cdp_session(page)
    state: dict = {"chunks": [], "offset": None, "media": set()}

    def will_send(event: dict) -> None:
        # Network timestamps are monotonic seconds; wallTime maps them onto the epoch.
        if state["offset"] is None:
            state["offset"] = event["wallTime"] - event["timestamp"]
        if "/stems/" in event["request"]["url"] and "format=" in event["request"]["url"]:
            state["media"].add(event["requestId"])

    def data(event: dict) -> None:
        if state["offset"] is None:
            return
        at = 1000 * (event["timestamp"] + state["offset"])
        # dataLength: body bytes as they arrive (encodedDataLength is often reported late,
        # in one later event, so it cannot be placed in time). Media is never compressed.
        state["chunks"].append((at, event["dataLength"], event["requestId"] in state["media"]))

    session.on("Network.requestWillBeSent", will_send)
    session.on("Network.dataReceived", data)
    session.send("Network.enable")
    return state


def report(results: dict[tuple, list[dict]], stored_bytes: int, one_file: int) -> None:
    """Print median and max per page, the ratio to the baseline, the bytes, and the verdict."""
    print(f"\n== from click to sound, {len(results[TRIES[0]])} tries each (ms)")
    print(
        f"{'page':10s} {'play':10s} {'audios':>6s} {'median':>7s} {'max':>7s} {'/ baseline':>10s} "
        f"{'MB at click':>11s} {'MB at sound':>11s} {'of stored':>9s}"
    )
    verdicts = []
    for (name, when), tries in results.items():
        base = statistics.median(r["ms"] for r in results[("baseline", when)])
        median = statistics.median(r["ms"] for r in tries)
        worst = max(r["ms"] for r in tries)
        media = statistics.median(r["media_bytes"] for r in tries)
        at_click = statistics.median(r["click_bytes"] for r in tries)
        stored = stored_bytes if name == "player" else one_file
        print(
            f"{name:10s} {when:10s} {tries[0]['audios']:6d} {median:7.0f} {worst:7.0f} "
            f"{median / base:9.2f}x {at_click / 1e6:11.2f} {media / 1e6:11.2f} "
            f"{100 * media / stored:8.1f}%"
        )
        if name == "player":
            verdicts.append(
                f"player, play {when}: median {median / 1000:.2f} s, max {worst / 1000:.2f} s "
                f"from play to all {tries[0]['audios']} stems sounding "
                f"({'ok' if worst < 1000 * TARGET_S else 'MISSED'} < {TARGET_S:.0f} s), "
                f"{median / base:.1f}x the single-<audio> baseline"
            )
    print("(media received from the server, median; 'of stored': of the listening copies' size)")
    print("\n== verdict")
    print("\n".join(verdicts))


if __name__ == "__main__":
    sys.exit(main())
