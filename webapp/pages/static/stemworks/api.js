// The pages act through the same REST API as scripts do: this is the one way they call it.
"use strict";

const Stemworks = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  // Turn a DRF error body ({"detail": "..."} or {"field": ["..."]}) into readable lines.
  function reasons(body) {
    if (!body || typeof body !== "object") return ["Something went wrong; please try again."];
    if (typeof body.detail === "string") return [body.detail];
    const lines = [];
    for (const [field, messages] of Object.entries(body)) {
      const list = Array.isArray(messages) ? messages : [String(messages)];
      for (const message of list) {
        const text = typeof message === "string" ? message : JSON.stringify(message);
        lines.push(field === "non_field_errors" ? text : `${field}: ${text}`);
      }
    }
    return lines.length ? lines : ["Something went wrong; please try again."];
  }

  class ApiError extends Error {
    constructor(status, body) {
      super(reasons(body).join(" "));
      this.status = status;
      this.body = body;
    }
  }

  async function call(method, url, data) {
    const options = {
      method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    };
    if (data instanceof FormData) {
      options.body = data;
    } else if (data !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    const response = await fetch(url, options);
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = { detail: text.slice(0, 300) }; }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // POST a form with upload progress (fetch cannot report bytes sent).
  function upload(url, formData, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch { body = { detail: xhr.responseText.slice(0, 300) }; }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body);
        else reject(new ApiError(xhr.status, body));
      };
      xhr.onerror = () => reject(new ApiError(0, { detail: "The upload was interrupted: check your connection and try again." }));
      xhr.send(formData);
    });
  }

  // Show an error's reasons in a form's error box (role=alert, so screen readers hear it).
  function showError(box, error) {
    const lines = error instanceof ApiError ? reasons(error.body) : [String(error.message || error)];
    box.replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
    box.classList.remove("hidden");
  }

  function clearError(box) {
    box.replaceChildren();
  }

  function formatTime(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    const m = Math.floor(seconds / 60);
    const s = Math.floor(seconds % 60);
    return `${m}:${String(s).padStart(2, "0")}`;
  }

  function setBalance(balance) {
    document.querySelectorAll("[data-balance]").forEach((el) => { el.textContent = balance; });
  }

  // Wire every `form[data-api]`: submit sends its fields as JSON to data-api with data-method,
  // then reloads the page (or follows data-next); errors appear in the form's .form-error box.
  function wireForms(root = document) {
    root.querySelectorAll("form[data-api]").forEach((form) => {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const box = form.querySelector(".form-error");
        if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
        const data = {};
        new FormData(form).forEach((value, key) => { if (key !== "csrfmiddlewaretoken") data[key] = value; });
        const button = form.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        try {
          const body = await call(form.dataset.method || "POST", form.dataset.api, data);
          form.dispatchEvent(new CustomEvent("api:done", { detail: body }));
          if (form.dataset.next) window.location.assign(form.dataset.next);
          else if (!form.hasAttribute("data-stay")) window.location.reload();
        } catch (error) {
          if (box) showError(box, error);
        } finally {
          if (button) button.disabled = false;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => wireForms());

  return { call, upload, reasons, showError, clearError, formatTime, setBalance, wireForms, ApiError };
})();
