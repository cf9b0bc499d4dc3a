"""The multitrack player in Chromium: it plays, solo/mute/volume set each stem's level, the stems
stay within 20 ms of each other through play, seeks and pauses, and the keyboard drives it."""

import pytest

from tests.factories import succeeded_job

STEMS = ("drums", "bass", "other", "vocals")
SYNC_S = 0.020
POSITIONS = "[...document.querySelectorAll('#player audio')].map(a => a.currentTime)"
VOLUMES = "[...document.querySelectorAll('#player audio')].map(a => a.volume)"


@pytest.fixture
def long_job(owner):
    """A finished 4-stem job of 20 s, stored as the worker stores it (listening copies, peaks)."""
    return succeeded_job(
        owner, names=STEMS, seconds=20.0, formats=("wav", "mp3", "listen"), with_peaks=True
    )


def spread(page) -> float:
    positions = page.evaluate(POSITIONS)
    return max(positions) - min(positions)


def assert_in_sync(page, samples: int = 5) -> None:
    """Read every stem's media time in one task, a few times over half a second, once the
    player had a second to line the stems up after starting (on a busy 2-core machine a
    stem can start 30 ms late; the player brings it back within a few hundred ms)."""
    page.wait_for_timeout(1000)
    series = page.evaluate(
        """async (samples) => {
          const rows = [];
          for (let i = 0; i < samples; i++) {
            const els = [...document.querySelectorAll('#player audio')];
            rows.push([els.map(a => a.currentTime), els.map(a => a.playbackRate)]);
            await new Promise(r => setTimeout(r, 100));
          }
          return rows;
        }""",
        samples,
    )
    spreads = [max(times) - min(times) for times, _ in series]
    assert max(spreads) <= SYNC_S, series


def playing_past(page, seconds: float) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('#player audio')]"
        f".every(a => !a.paused && a.currentTime > {seconds})",
        timeout=15000,
    )


def test_the_player_plays_every_stem_together_and_seeks_in_sync(browser, log_in, owner, long_job):
    page = browser.new_page()
    log_in(page, owner)
    page.goto(f"/jobs/{long_job.id}/")
    assert page.locator("#player .lane").count() == 4

    page.click("#play")
    playing_past(page, 1.0)
    start = page.evaluate(POSITIONS)[0]
    page.wait_for_timeout(700)
    assert page.evaluate(POSITIONS)[0] > start + 0.3  # media time advances
    assert_in_sync(page)

    # Seek with the shared bar, then by clicking a waveform, while playing.
    page.locator("#seek").fill("12")
    playing_past(page, 12.0)
    assert_in_sync(page)
    box = page.locator(".lane[data-stem='bass'] .wave").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
    page.wait_for_function(f"() => {POSITIONS}.every(t => t > 5 && t < 7)", timeout=10000)
    page.wait_for_timeout(300)
    assert_in_sync(page)

    # Pause: every stem stops at the same place.
    page.click("#play")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#player audio')].every(a => a.paused)"
    )
    page.wait_for_timeout(300)
    assert spread(page) <= SYNC_S


def test_solo_mute_and_volume_set_each_stems_level(browser, log_in, owner, long_job):
    page = browser.new_page()
    log_in(page, owner)
    page.goto(f"/jobs/{long_job.id}/")
    assert page.evaluate(VOLUMES) == [1, 1, 1, 1]

    page.click("button[aria-label='Solo vocals']")
    assert page.evaluate(VOLUMES) == [0, 0, 0, 1]
    assert page.get_attribute("button[aria-label='Solo vocals']", "aria-pressed") == "true"
    page.click("button[aria-label='Solo bass']")
    assert page.evaluate(VOLUMES) == [0, 1, 0, 1]
    page.click("button[aria-label='Solo vocals']")
    page.click("button[aria-label='Solo bass']")
    assert page.evaluate(VOLUMES) == [1, 1, 1, 1]

    page.click("button[aria-label='Mute drums']")
    assert page.evaluate(VOLUMES) == [0, 1, 1, 1]
    page.locator("input[aria-label='Volume of other']").fill("0.25")
    assert page.evaluate(VOLUMES) == [0, 1, 0.25, 1]
    # A muted stem stays silent when another is soloed; unmuted, it follows the solo rule.
    page.click("button[aria-label='Solo drums']")
    assert page.evaluate(VOLUMES) == [0, 0, 0, 0]
    page.click("button[aria-label='Mute drums']")
    assert page.evaluate(VOLUMES) == [1, 0, 0, 0]


def test_space_plays_and_pauses_and_arrows_seek(browser, log_in, owner, long_job):
    page = browser.new_page()
    log_in(page, owner)
    page.goto(f"/jobs/{long_job.id}/")
    page.locator("h1").click()  # focus on the page, not on a control

    page.keyboard.press("Space")
    playing_past(page, 0.5)
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#player audio')].every(a => a.paused)"
    )
    before = page.evaluate(POSITIONS)[0]
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => {POSITIONS}.every(t => Math.abs(t - {before + 5}) < 0.05)")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"() => {POSITIONS}.every(t => Math.abs(t - {before}) < 0.05)")
    assert page.evaluate("[...document.querySelectorAll('#player audio')].every(a => a.paused)")


def test_waveforms_are_drawn_from_the_peaks(browser, log_in, owner, long_job):
    page = browser.new_page()
    log_in(page, owner)
    page.goto(f"/jobs/{long_job.id}/")
    # A tone at a quarter of full scale: the drawn band fills about a quarter of the lane.
    page.wait_for_function(
        """() => {
          const c = document.querySelector('.lane canvas');
          const g = c.getContext('2d');
          const column = g.getImageData(Math.floor(c.width / 2), 0, 1, c.height).data;
          let inked = 0;
          for (let i = 3; i < column.length; i += 4) if (column[i] > 0) inked++;
          return inked > c.height * 0.15 && inked < c.height * 0.4;
        }""",
        timeout=10000,
    )
