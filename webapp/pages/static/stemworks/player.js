// The multitrack player: one <audio> per stem (streamed listening copies, so playback starts
// before a file has loaded), started together and kept within a few milliseconds of the first
// stem; per stem solo, mute and volume; waveforms drawn from the worker's peaks. Private mode
// mounts it on stems made in the browser: blob: URLs, with peaks given instead of fetched
// (`mount(root, {peaks: {stem: {length, data}}})`), and destroys it before the next song.
"use strict";

const StemworksPlayer = (() => {
  function mount(root, options = {}) {
    const SEEK_STEP_S = 5;
    // Changing an element's rate makes Chromium re-buffer its audio (a short stall), so the
    // stems are left alone until one is clearly off, then nudged gently back.
    const DRIFT_NUDGE_S = 0.006; // beyond this a stem plays a little faster or slower
    const DRIFT_OK_S = 0.002; // until it is this close again
    const NUDGE_WITHIN_S = 0.2; // a nudge aims to close the gap in this long ...
    const NUDGE_MIN = 0.02; // ... at 2 % to 10 % off the normal rate
    const NUDGE_MAX = 0.1;
    const SETTLE_MS = 150; // after a start, readings are noisy for a moment
    const DRIFT_JUMP_S = 0.12; // beyond this the stems are stopped and lined up again
    const playButton = root.querySelector("#play");
    const seek = root.querySelector("#seek");
    const timeLabel = root.querySelector("#time");

    const lanes = [...root.querySelectorAll(".lane")].map((lane) => ({
      lane,
      name: lane.dataset.stem,
      audio: lane.querySelector("audio"),
      canvas: lane.querySelector("canvas"),
      head: lane.querySelector(".head"),
      soloButton: lane.querySelector("button.solo"),
      muteButton: lane.querySelector("button.mute"),
      volumeInput: lane.querySelector("input.volume"),
      solo: false,
      mute: false,
      volume: 1,
      peaks: (options.peaks && options.peaks[lane.dataset.stem]) || null,
    }));
    const master = lanes[0].audio;
    let playing = false;
    let busy = Promise.resolve(); // play/pause/seek run one after another
    let syncTimer = null;
    let startedAt = 0;
    let destroyed = false;

    const duration = () => (isFinite(master.duration) && master.duration > 0 ? master.duration : Number(seek.max));

    // --- levels ------------------------------------------------------------------------
    function applyLevels() {
      const anySolo = lanes.some((l) => l.solo);
      for (const l of lanes) {
        const audible = !l.mute && (!anySolo || l.solo);
        l.audio.volume = audible ? l.volume : 0;
        l.lane.classList.toggle("silent", !audible);
        l.soloButton.setAttribute("aria-pressed", String(l.solo));
        l.muteButton.setAttribute("aria-pressed", String(l.mute));
      }
    }

    // --- keeping stems together ----------------------------------------------------------
    function ready(audio) {
      // Resolves once the element can play at its current position (or after 5 s regardless).
      if (!audio.seeking && audio.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => { audio.removeEventListener("canplay", check); audio.removeEventListener("seeked", check); clearTimeout(timer); resolve(); };
        const check = () => { if (!audio.seeking && audio.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA) done(); };
        const timer = setTimeout(done, 5000);
        audio.addEventListener("canplay", check);
        audio.addEventListener("seeked", check);
      });
    }

    async function lineUp(time) {
      for (const l of lanes) {
        l.audio.playbackRate = 1;
        if (Math.abs(l.audio.currentTime - time) > 0.0005) l.audio.currentTime = time;
      }
      await Promise.all(lanes.map((l) => ready(l.audio)));
    }

    async function startAll(time) {
      lanes.forEach((l) => l.audio.pause());
      await lineUp(time);
      if (!playing) return;
      // All started in one task, so they begin on the same audio clock tick as near as can be.
      await Promise.all(lanes.map((l) => l.audio.play()));
      startSyncLoop();
    }

    function startSyncLoop() {
      clearInterval(syncTimer);
      startedAt = performance.now();
      syncTimer = setInterval(keepInSync, 100);
    }

    // Each stem is compared with the median of all: one that stalls is brought back alone,
    // and a lone odd reading (a busy machine) changes nothing until the next one agrees.
    function keepInSync() {
      if (!playing || master.paused || performance.now() - startedAt < SETTLE_MS) return;
      const times = lanes.map((l) => l.audio.currentTime);
      const sorted = [...times].sort((a, b) => a - b);
      const middle = sorted.length / 2;
      const reference = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
      for (const [i, l] of lanes.entries()) {
        const drift = times[i] - reference;
        if (Math.abs(drift) > DRIFT_JUMP_S) {
          run(() => startAll(master.currentTime));
          return;
        }
        const rate = l.audio.playbackRate;
        l.offTicks = Math.abs(drift) > DRIFT_NUDGE_S ? (l.offTicks || 0) + 1 : 0;
        if (l.offTicks >= 2) {
          // Ahead: slow down a little; behind: speed up, in step with the gap left to close.
          const nudge = Math.min(NUDGE_MAX, Math.max(NUDGE_MIN, Math.abs(drift) / NUDGE_WITHIN_S));
          const wanted = drift > 0 ? 1 - nudge : 1 + nudge;
          if (Math.abs(wanted - rate) > 0.005) l.audio.playbackRate = wanted;
        } else if ((rate > 1 && drift > -DRIFT_OK_S) || (rate < 1 && drift < DRIFT_OK_S)) {
          l.audio.playbackRate = 1; // caught up (or just past): back to normal speed
        }
      }
    }

    function run(step) {
      busy = busy.then(step).catch((error) => console.warn("player:", error));
      return busy;
    }

    // --- transport -----------------------------------------------------------------------
    function play() {
      if (playing) return busy;
      playing = true;
      playButton.textContent = "❚❚";
      playButton.setAttribute("aria-label", "Pause");
      const from = master.currentTime >= duration() - 0.05 ? 0 : master.currentTime;
      return run(() => startAll(from));
    }

    function pause() {
      if (!playing) return busy;
      playing = false;
      clearInterval(syncTimer);
      playButton.textContent = "▶";
      playButton.setAttribute("aria-label", "Play");
      return run(async () => {
        lanes.forEach((l) => l.audio.pause());
        await lineUp(master.currentTime);
      });
    }

    function seekTo(time) {
      const target = Math.max(0, Math.min(duration(), time));
      showPosition(target);
      return run(() => (playing ? startAll(target) : lineUp(target)));
    }

    function showPosition(time) {
      const total = duration();
      timeLabel.textContent = `${Stemworks.formatTime(time)} / ${Stemworks.formatTime(total)}`;
      if (document.activeElement !== seek) seek.value = time;
      seek.setAttribute("aria-valuetext", Stemworks.formatTime(time));
      const left = `${total ? (100 * time) / total : 0}%`;
      lanes.forEach((l) => { l.head.style.left = left; });
    }

    function frame() {
      if (destroyed) return;
      showPosition(master.currentTime);
      requestAnimationFrame(frame);
    }

    // --- waveforms -----------------------------------------------------------------------
    async function loadPeaks(l) {
      const url = l.audio.dataset.peaks;
      if (!url || l.peaks) return;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok) l.peaks = await response.json();
      } catch { /* the lane keeps a flat line */ }
      draw(l);
    }

    function draw(l) {
      const canvas = l.canvas;
      const width = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio));
      const height = Math.max(1, Math.round(canvas.clientHeight * devicePixelRatio));
      canvas.width = width;
      canvas.height = height;
      const g = canvas.getContext("2d");
      g.clearRect(0, 0, width, height);
      g.fillStyle = getComputedStyle(document.documentElement).getPropertyValue("--accent") || "#5234e0";
      const mid = height / 2;
      if (!l.peaks || !l.peaks.length) {
        g.fillRect(0, mid - 1, width, 2);
        return;
      }
      const data = l.peaks.data;
      const bins = l.peaks.length;
      const scale = mid / 128;
      for (let x = 0; x < width; x++) {
        const from = Math.floor((x * bins) / width);
        const to = Math.max(from + 1, Math.floor(((x + 1) * bins) / width));
        let low = 0;
        let high = 0;
        for (let i = from; i < to && i < bins; i++) {
          low = Math.min(low, data[2 * i]);
          high = Math.max(high, data[2 * i + 1]);
        }
        g.fillRect(x, mid - high * scale, 1, Math.max(1, (high - low) * scale));
      }
    }

    // --- wiring --------------------------------------------------------------------------
    playButton.addEventListener("click", () => (playing ? pause() : play()));
    seek.addEventListener("input", () => seekTo(Number(seek.value)));
    for (const l of lanes) {
      l.soloButton.addEventListener("click", () => { l.solo = !l.solo; applyLevels(); });
      l.muteButton.addEventListener("click", () => { l.mute = !l.mute; applyLevels(); });
      l.volumeInput.addEventListener("input", () => { l.volume = Number(l.volumeInput.value); applyLevels(); });
      l.canvas.parentElement.addEventListener("click", (event) => {
        const box = l.canvas.getBoundingClientRect();
        seekTo(((event.clientX - box.left) / box.width) * duration());
      });
      // A stem that runs out of data stops the others until it can go on, so none runs ahead.
      l.audio.addEventListener("waiting", () => { if (playing) run(() => startAll(master.currentTime)); });
      loadPeaks(l);
    }
    master.addEventListener("loadedmetadata", () => { seek.max = duration(); showPosition(master.currentTime); });
    master.addEventListener("ended", () => { pause(); });
    function onKey(event) {
      const t = event.target;
      if (t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
      if (event.key === " " && !t.closest("button, a, summary")) {
        event.preventDefault();
        if (playing) pause(); else play();
      } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        seekTo(master.currentTime + (event.key === "ArrowRight" ? SEEK_STEP_S : -SEEK_STEP_S));
      }
    }
    const redraw = () => lanes.forEach(draw);
    document.addEventListener("keydown", onKey);
    window.addEventListener("resize", redraw);
    applyLevels();
    lanes.forEach(draw);
    requestAnimationFrame(frame);

    // Stops the player for good (its page area is about to be replaced).
    function destroy() {
      destroyed = true;
      playing = false;
      clearInterval(syncTimer);
      lanes.forEach((l) => l.audio.pause());
      document.removeEventListener("keydown", onKey);
      window.removeEventListener("resize", redraw);
    }
    return { destroy };
  }

  const root = document.getElementById("player");
  if (root) mount(root);
  return { mount };
})();
