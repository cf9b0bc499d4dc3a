// Keep each queued or running job's row current by polling the job API until it ends.
"use strict";

(() => {
  const ACTIVE = new Set(["queued", "running"]);
  const POLL_MS = 1500;

  function render(row, job) {
    row.dataset.status = job.status;
    const pill = row.querySelector('[data-field="status"]');
    pill.textContent = job.status;
    pill.className = `pill ${job.status}`;
    const cell = row.querySelector(".progress-cell");
    cell.classList.toggle("hidden", !ACTIVE.has(job.status));
    const bar = cell.querySelector("progress");
    bar.value = job.progress;
    bar.textContent = `${job.progress}%`;
    cell.querySelector('[data-field="stage"]').textContent = `${job.stage || "waiting"} ${job.progress}%`;
    row.querySelector('[data-field="cost"]').textContent = job.cost;
  }

  async function poll(row) {
    try {
      const job = await Stemworks.call("GET", row.dataset.url);
      render(row, job);
      if (!ACTIVE.has(job.status)) {
        if (job.status !== "succeeded") refreshBalance();
        return;
      }
    } catch (error) {
      if (error.status === 404) { row.remove(); return; }
    }
    setTimeout(() => poll(row), POLL_MS);
  }

  async function refreshBalance() {
    try { Stemworks.setBalance((await Stemworks.call("GET", "/api/v1/credits")).balance); } catch { /* the header keeps its figure */ }
  }

  document.querySelectorAll("tr[data-job]").forEach((row) => {
    if (ACTIVE.has(row.dataset.status)) setTimeout(() => poll(row), POLL_MS);
  });
})();
