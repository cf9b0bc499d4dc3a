// The upload form: quote a full job's price before it is confirmed, then upload with progress.
"use strict";

(() => {
  const form = document.getElementById("upload-form");
  const fileInput = document.getElementById("file");
  const dropzone = document.getElementById("dropzone");
  const model = document.getElementById("model");
  const target = document.getElementById("target");
  const quoteBox = document.getElementById("quote");
  const errorBox = document.getElementById("upload-error");
  const submit = document.getElementById("submit");
  const models = JSON.parse(document.getElementById("models-data").textContent);
  let duration = null; // seconds, measured in the browser; the server decides the price from it
  let quote = null;

  const kind = () => form.querySelector('input[name="kind"]:checked').value;
  const megabytes = (n) => (n / 1e6).toFixed(1);

  function fillTargets() {
    const spec = models.find((m) => m.name === model.value);
    target.replaceChildren(...spec.targets.map((t) => new Option(t.label, t.value)));
    document.getElementById("model-description").textContent = spec.description;
  }

  function measure(file) {
    return new Promise((resolve) => {
      const probe = new Audio();
      const url = URL.createObjectURL(file);
      const done = (value) => { URL.revokeObjectURL(url); resolve(value); };
      probe.preload = "metadata";
      probe.onloadedmetadata = () => done(isFinite(probe.duration) ? probe.duration : null);
      probe.onerror = () => done(null);
      setTimeout(() => done(null), 8000);
      probe.src = url;
    });
  }

  async function chosen(file) {
    Stemworks.clearError(errorBox);
    duration = null;
    document.getElementById("file-info").textContent = `${file.name}, ${megabytes(file.size)} MB`;
    duration = await measure(file);
    if (duration !== null) {
      document.getElementById("file-info").textContent = `${file.name}, ${megabytes(file.size)} MB, ${Stemworks.formatTime(duration)}`;
    }
    updateQuote();
  }

  async function updateQuote() {
    quote = null;
    submit.disabled = false;
    const full = kind() === "full";
    submit.textContent = full ? "Separate the full song" : "Start free preview";
    quoteBox.classList.toggle("hidden", !full);
    if (!full) return;
    const spec = models.find((m) => m.name === model.value);
    if (!fileInput.files.length) {
      quoteBox.textContent = `${spec.credits_per_minute} credit(s) per started minute; choose a file to see its price.`;
      return;
    }
    if (duration === null) {
      quoteBox.textContent = `This browser cannot read the file's length: it costs ${spec.credits_per_minute} credit(s) per started minute, counted when it arrives.`;
      return;
    }
    try {
      const params = new URLSearchParams({ model: model.value, duration: duration.toFixed(3) });
      quote = await Stemworks.call("GET", `/api/v1/quote?${params}`);
    } catch (error) {
      Stemworks.showError(errorBox, error);
      quoteBox.classList.add("hidden");
      return;
    }
    quoteBox.replaceChildren();
    const line = document.createElement("p");
    line.append(`The full song costs `, Object.assign(document.createElement("strong"), { textContent: `${quote.cost} credits` }),
      ` (${quote.credits_per_minute} per started minute). Your balance: ${quote.balance}.`);
    quoteBox.append(line);
    if (!quote.enough) {
      const buy = Object.assign(document.createElement("a"), { href: "/credits/", className: "button small", textContent: "Buy credits" });
      const short = Object.assign(document.createElement("p"), { textContent: `You need ${quote.cost - quote.balance} more credits. ` });
      short.append(buy);
      quoteBox.append(short);
    }
    submit.textContent = `Separate for ${quote.cost} credits`;
    submit.disabled = !quote.enough;
  }

  function progress(sent, total) {
    const percent = Math.round((100 * sent) / total);
    document.getElementById("upload-bar").value = percent;
    document.getElementById("upload-status").textContent = `${percent}% (${megabytes(sent)} of ${megabytes(total)} MB)`;
  }

  async function send(event) {
    event.preventDefault();
    Stemworks.clearError(errorBox);
    if (!fileInput.files.length) {
      Stemworks.showError(errorBox, new Error("Choose a song file first."));
      return;
    }
    const data = new FormData();
    data.append("file", fileInput.files[0]);
    data.append("model", model.value);
    data.append("target", target.value);
    data.append("kind", kind());
    data.append("sample_rate", document.getElementById("sample_rate").value);
    const start = document.getElementById("preview_start").value;
    if (kind() === "preview" && start !== "") data.append("preview_start", start);
    if (kind() === "full" && quote) data.append("max_cost", quote.cost);
    submit.disabled = true;
    document.getElementById("upload-progress").classList.remove("hidden");
    try {
      const job = await Stemworks.upload("/api/v1/jobs", data, progress);
      window.location.assign(`/jobs/${job.id}/`);
    } catch (error) {
      Stemworks.showError(errorBox, error);
      document.getElementById("upload-progress").classList.add("hidden");
      submit.disabled = false;
      errorBox.scrollIntoView({ block: "center" });
    }
  }

  fileInput.addEventListener("change", () => { if (fileInput.files.length) chosen(fileInput.files[0]); });
  ["dragenter", "dragover"].forEach((type) => dropzone.addEventListener(type, (e) => { e.preventDefault(); dropzone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((type) => dropzone.addEventListener(type, () => dropzone.classList.remove("over")));
  dropzone.addEventListener("drop", (e) => {
    e.preventDefault();
    if (!e.dataTransfer.files.length) return;
    fileInput.files = e.dataTransfer.files;
    chosen(fileInput.files[0]);
  });
  model.addEventListener("change", () => { fillTargets(); updateQuote(); });
  form.querySelectorAll('input[name="kind"]').forEach((radio) => radio.addEventListener("change", updateQuote));
  form.addEventListener("submit", send);
  fillTargets();
})();
