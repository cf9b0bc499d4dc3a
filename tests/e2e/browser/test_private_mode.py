"""Private mode in Chromium: a visitor without an account separates a real excerpt in the
browser; progress reaches 100 %, the player plays, the stems downloaded from the page add up
to the song and agree with the Python engine's at 30 dB or more, no request carries audio, and
a second visit with the network cut separates again from the cached page and model."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import soundfile as sf
from django.conf import settings

from separation.api import Separator
from separation.audio import SAMPLE_RATE, read_audio
from separation.pretrained import example_song
from tests.e2e.browser.test_pages_look import CONTRAST, UNNAMED

EXCERPT_S = (1.0, 10.0)  # 9 s of the example song (10.9 s), singing included
MIN_SDR_DB = 30.0
DONE_TIMEOUT_MS = 180_000
STEMS = ("vocals", "accompaniment")
# Every path the page may ask for: itself, its service worker, its scripts, the model.
ALLOWED_PATHS = re.compile(
    r"^/private/(sw\.js|app/[\w./-]+|model/(manifest\.json|[\w.-]+\.onnx))?$|^/static/[\w./-]+$"
)
# Stages the page showed, in order, as the page itself wrote them (read back after).
WATCH_STAGES = """() => {
  window.seenStages = [];
  new MutationObserver(() => {
    const text = document.getElementById('private-stage').textContent + ' '
      + document.getElementById('private-percent').textContent;
    if (window.seenStages.at(-1) !== text) window.seenStages.push(text);
  }).observe(document.getElementById('progress-box'),
              {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def built_model() -> Path:
    """The model `make private-model` builds and the onnxruntime files `make ort-files` copies
    (`make test` builds both first); their absence fails the test, plainly."""
    folder = Path(settings.STEMWORKS_PRIVATE_MODEL_DIR)
    if not (folder / "manifest.json").is_file():
        pytest.fail(
            f"Private mode's model is not built in {folder}: run `make private-model`.",
            pytrace=False,
        )
    ort = Path(settings.BASE_DIR) / "webapp/private/static/private/ort"
    if not any(ort.glob("*.wasm")):
        pytest.fail(f"onnxruntime-web is missing from {ort}: run `make ort-files`.", pytrace=False)
    return folder


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory, built_model) -> tuple[Path, np.ndarray, dict[str, np.ndarray]]:
    """A 9 s excerpt of the example song as a float WAV, its samples, and the engine's stems."""
    audio = read_audio(example_song()).samples
    start, end = (int(s * SAMPLE_RATE) for s in EXCERPT_S)
    mix = np.ascontiguousarray(audio[:, start:end], dtype=np.float32)
    path = tmp_path_factory.mktemp("private") / "excerpt.wav"
    sf.write(path, mix.T, SAMPLE_RATE, subtype="FLOAT")
    # The engine's default, one Wiener iteration, as the browser's worker runs it.
    stems = Separator("unet-2stems", device="cpu").separate(mix.copy())
    return path, mix, stems


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(reference**2) / np.sum((reference - estimate) ** 2)))


def record_requests(page) -> list[dict]:
    """Record every request the page's context makes (page, service worker and workers)."""
    seen: list[dict] = []
    page.context.on(
        "request",
        lambda request: seen.append(
            {"method": request.method, "url": request.url, "body": request.post_data_buffer}
        ),
    )
    return seen


def separate(page, song: Path) -> list[str]:
    """Pick `song`, wait for the stems, and return the stages the page showed on the way."""
    page.evaluate(WATCH_STAGES)
    page.set_input_files("#file", str(song))
    page.wait_for_function(
        "() => document.getElementById('private-stage').textContent === 'Done'"
        " || document.getElementById('private-error').textContent !== ''",
        timeout=DONE_TIMEOUT_MS,
    )
    assert page.text_content("#private-error") == ""
    page.wait_for_selector("#player .lane audio", state="attached")
    return page.evaluate("window.seenStages")


def assert_page_reads_well(page) -> None:
    """The checks every page gets in test_pages_look: it fits the screen, its controls have
    names, one <h1>, and its text reaches WCAG AA contrast."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(UNNAMED) == []
    assert page.locator("h1").count() == 1
    low = [
        row
        for row in page.evaluate(CONTRAST, None)
        if row["ratio"] < (3.0 if row["large"] else 4.5)
    ]
    assert not low, low[:5]


def wait_for_model_status(page, text: str) -> None:
    page.wait_for_function(
        "(text) => document.getElementById('model-status').textContent.includes(text)", arg=text
    )


def downloaded_stems(page, tmp_path: Path) -> dict[str, np.ndarray]:
    stems = {}
    for name in STEMS:
        with page.expect_download() as download:
            page.click(f"#player .lane[data-stem='{name}'] .downloads a")
        path = tmp_path / f"{name}.wav"
        download.value.save_as(path)
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
        assert rate == SAMPLE_RATE
        stems[name] = samples.T
    return stems


def assert_nothing_carried_audio(requests: list[dict], server_url: str) -> None:
    server = urlsplit(server_url)
    for request in requests:
        url = urlsplit(request["url"])
        if url.scheme in ("blob", "data"):
            continue
        assert (url.hostname, url.port) == (server.hostname, server.port), request["url"]
        assert request["method"] == "GET", request
        assert not request["body"], request
        assert ALLOWED_PATHS.match(url.path), request["url"]
        assert url.query in ("",) or re.fullmatch(r"sha256=[0-9a-f]{64}", url.query), request["url"]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_visitor_separates_a_song_in_the_browser_and_nothing_leaves_the_device(
    browser, screenshot, excerpt, built_model, tmp_path, viewport
):
    song, mix, engine = excerpt
    manifest = json.loads((built_model / "manifest.json").read_text())
    page = browser.new_page(viewport)
    requests = record_requests(page)
    page.goto("/private/")
    assert page.evaluate("crossOriginIsolated") is True
    wait_for_model_status(page, "to download once")
    assert f"{manifest['bytes'] / 1e6:.1f} MB" in page.text_content("#model-status")
    screenshot(page, "private-before")
    assert_page_reads_well(page)

    stages = separate(page, song)
    assert any(s.startswith("Downloading the model") for s in stages), stages
    assert any(s.startswith("Separating") for s in stages), stages
    assert page.evaluate("document.getElementById('private-progress').value") == 100
    assert page.text_content("#private-percent") == "100"
    assert "cached" in page.text_content("#model-status")

    page.click("#play")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#player audio')]"
        ".every(a => !a.paused && a.currentTime > 0.5)",
        timeout=15000,
    )
    page.click("#play")
    screenshot(page, "private-after")
    assert_page_reads_well(page)

    stems = downloaded_stems(page, tmp_path)
    for name in STEMS:
        assert stems[name].shape == mix.shape
        assert sdr(engine[name], stems[name]) >= MIN_SDR_DB, (name, sdr(engine[name], stems[name]))
    np.testing.assert_allclose(stems["vocals"] + stems["accompaniment"], mix, atol=1e-6)
    assert_nothing_carried_audio(requests, browser.server_url)

    # A second visit with the network cut: the page, its scripts and the model come from
    # this browser's caches, and the song separates again.
    page.context.set_offline(True)
    offline_requests = record_requests(page)
    again = page.context.new_page()
    response = again.goto("/private/")
    assert response.from_service_worker and again.evaluate("navigator.onLine") is False
    assert again.evaluate("crossOriginIsolated") is True
    wait_for_model_status(again, "cached")
    stages = separate(again, song)
    assert not any(s.startswith("Downloading") for s in stages), stages
    assert again.text_content("#private-percent") == "100"
    offline_stems = downloaded_stems(again, tmp_path)
    for name in STEMS:
        np.testing.assert_allclose(offline_stems[name], stems[name], atol=1e-6)
    assert not [r for r in offline_requests if r["url"].split("?")[0].endswith(".onnx")]
    assert_nothing_carried_audio(offline_requests, browser.server_url)


def test_too_long_and_undecodable_songs_get_a_clear_message_and_cancel_stops(
    browser, screenshot, excerpt, built_model, tmp_path
):
    song, _, _ = excerpt
    page = browser.new_page()
    page.goto("/private/")
    wait_for_model_status(page, "MB")
    # An older model kept by an earlier visit: the new one replaces it once downloaded.
    page.evaluate(
        """async () => (await caches.open('stemworks-private-model')).put(
             '/private/model/unet-2stems.onnx?sha256=' + '0'.repeat(64), new Response('old'))"""
    )

    # 16 minutes (the limit is 15): refused from the file's header, before decoding it.
    long_song = tmp_path / "long.wav"
    sf.write(long_song, np.zeros(16 * 60 * 8000, dtype=np.float32), 8000, subtype="PCM_U8")
    page.set_input_files("#file", str(long_song))
    page.wait_for_function("() => document.getElementById('private-error').textContent !== ''")
    message = page.text_content("#private-error")
    assert "16:00 long" in message and "up to 15 minutes" in message, message
    assert page.is_hidden("#progress-box") and page.is_hidden("#result")
    screenshot(page, "private-too-long")

    not_audio = tmp_path / "song.mp3"
    not_audio.write_bytes(np.random.default_rng(0).bytes(50_000))
    page.set_input_files("#file", str(not_audio))
    page.wait_for_function(
        "() => document.getElementById('private-error').textContent.includes('cannot decode')"
    )
    assert "“song.mp3”" in page.text_content("#private-error")

    # A file dropped on the drop zone goes the same way as a picked one.
    transfer = page.evaluate_handle(
        """() => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(4096).fill(7)], 'dropped.ogg'));
          return transfer;
        }"""
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    page.wait_for_function(
        "() => document.getElementById('private-error').textContent.includes('dropped.ogg')"
    )

    # Cancel while separating: the worker ends, no stems appear, and the next song works.
    page.set_input_files("#file", str(song))
    page.wait_for_function(
        "() => document.getElementById('private-stage').textContent === 'Separating'",
        timeout=DONE_TIMEOUT_MS,
    )
    screenshot(page, "private-separating")
    page.click("#cancel")
    assert page.is_hidden("#progress-box")
    page.wait_for_timeout(500)
    assert page.is_hidden("#result") and page.text_content("#private-error") == ""
    separate(page, song)
    assert page.is_visible("#result")
    kept = page.evaluate(
        "async () => (await (await caches.open('stemworks-private-model')).keys()).map(r => r.url)"
    )
    sha256 = json.loads((built_model / "manifest.json").read_text())["sha256"]
    assert kept == [f"{browser.server_url}/private/model/unet-2stems.onnx?sha256={sha256}"]
