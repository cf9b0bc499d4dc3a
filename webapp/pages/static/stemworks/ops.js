// The operations page re-reads its figures every 10 seconds, without reloading.
"use strict";

(() => {
  const body = document.getElementById("ops-body");
  const refresh = async () => {
    try {
      const response = await fetch(body.dataset.url, { credentials: "same-origin" });
      if (response.ok) {
        const open = [...body.querySelectorAll("details[open] summary strong")].map((s) => s.textContent);
        body.innerHTML = await response.text();
        body.querySelectorAll("details summary strong").forEach((s) => {
          if (open.includes(s.textContent)) s.closest("details").open = true;
        });
        body.dataset.refreshedAt = String(Date.now());
      }
    } catch { /* keep the figures shown; try again at the next tick */ }
    setTimeout(refresh, 10000);
  };
  setTimeout(refresh, 10000);
})();
