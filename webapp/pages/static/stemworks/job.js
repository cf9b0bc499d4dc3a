// The job page: live progress until the job ends, the full-song action, rating and sharing.
"use strict";

(() => {
  const ACTIVE = new Set(["queued", "running"]);

  function followProgress(live) {
    const tick = async () => {
      let job;
      try {
        job = await Stemworks.call("GET", live.dataset.url);
      } catch (error) {
        setTimeout(tick, 3000);
        return;
      }
      document.getElementById("job-stage").textContent = job.stage;
      document.getElementById("job-percent").textContent = job.progress;
      const bar = document.getElementById("job-progress");
      bar.value = job.progress;
      bar.textContent = `${job.progress}%`;
      const pill = document.getElementById("job-status");
      pill.textContent = job.status;
      pill.className = `pill ${job.status}`;
      if (ACTIVE.has(job.status)) setTimeout(tick, 1000);
      else showFinished();
    };
    setTimeout(tick, 1000);
  }

  // The finished page (player, or the failure's reason) is drawn by the server: fetch it and
  // put it in place of this one, without reloading.
  async function showFinished() {
    const html = await (await fetch(window.location.href, { credentials: "same-origin" })).text();
    const fresh = new DOMParser().parseFromString(html, "text/html");
    const main = document.getElementById("main");
    main.replaceChildren(...fresh.getElementById("main").childNodes);
    Stemworks.wireForms(main);
    setUp();
    const player = document.getElementById("player");
    if (player) {
      if (typeof StemworksPlayer === "undefined") {
        const script = document.createElement("script");
        script.src = document.body.dataset.playerScript;
        document.body.append(script); // mounts the player when it runs
      } else {
        StemworksPlayer.mount(player);
      }
    }
    fresh.querySelectorAll("[data-balance]").forEach((el) => Stemworks.setBalance(el.textContent));
  }

  function wireFullSong(form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = form.querySelector(".form-error");
      const data = new FormData();
      data.append("source_job", form.dataset.source);
      data.append("kind", "full");
      data.append("max_cost", form.dataset.cost);
      form.querySelector("button[type=submit]").disabled = true;
      try {
        const job = await Stemworks.call("POST", "/api/v1/jobs", data);
        window.location.assign(`/jobs/${job.id}/`);
      } catch (error) {
        Stemworks.showError(box, error);
        form.querySelector("button[type=submit]").disabled = false;
      }
    });
  }

  function wireRating(form) {
    const thumbs = JSON.parse(document.getElementById("thumbs-data").textContent) || {};
    for (const [stem, up] of Object.entries(thumbs)) {
      const input = form.querySelector(`input[name="thumb-${CSS.escape(stem)}"][value="${up ? "up" : "down"}"]`);
      if (input) input.checked = true;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = form.querySelector(".form-error");
      Stemworks.clearError(box);
      const rating = form.querySelector('input[name="rating"]:checked');
      if (!rating) {
        Stemworks.showError(box, new Error("Choose 1 to 5 stars."));
        return;
      }
      const stems = {};
      form.querySelectorAll("input[data-stem]:checked").forEach((input) => { stems[input.dataset.stem] = input.value; });
      try {
        await Stemworks.call("PUT", form.dataset.url, {
          rating: Number(rating.value), comment: form.querySelector("#comment").value, stems,
        });
        document.getElementById("rating-saved").textContent = "Thank you: your rating is saved.";
      } catch (error) {
        Stemworks.showError(box, error);
      }
    });
  }

  function setUp() {
    const live = document.getElementById("live");
    if (live) followProgress(live);
    const full = document.getElementById("full-form");
    if (full) wireFullSong(full);
    const rating = document.getElementById("rating-form");
    if (rating) wireRating(rating);
    const copy = document.getElementById("copy-share");
    if (copy) {
      copy.addEventListener("click", async () => {
        const field = document.getElementById("share-url");
        field.select();
        try { await navigator.clipboard.writeText(field.value); copy.textContent = "Copied"; } catch { copy.textContent = "Press Ctrl+C"; }
      });
    }
  }

  setUp();
})();
