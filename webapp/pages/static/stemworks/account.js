// Account actions that stay on the page: say what happened, show a new token once.
"use strict";

(() => {
  const done = (form, text) => { form.querySelector("[data-done]").textContent = text; };
  const resend = document.getElementById("resend-form");
  if (resend) resend.addEventListener("api:done", () => done(resend, "Sent: check your inbox."));
  const password = document.getElementById("password-form");
  password.addEventListener("api:done", () => { password.reset(); done(password, "Your password is changed."); });
  const tokenForm = document.getElementById("token-form");
  tokenForm.addEventListener("api:done", (event) => {
    document.getElementById("new-token-key").textContent = event.detail.key;
    document.getElementById("new-token").classList.remove("hidden");
    document.querySelectorAll("[data-token]").forEach((el) => { el.textContent = event.detail.key; });
    tokenForm.reset();
  });
  // Deleting is a second step behind "Delete my account…"; backing out closes it again.
  const deleteStep = document.getElementById("delete-step");
  deleteStep.addEventListener("toggle", () => {
    if (deleteStep.open) document.getElementById("delete-password").focus();
  });
  deleteStep.querySelector("[data-cancel]").addEventListener("click", () => {
    document.getElementById("delete-form").reset();
    deleteStep.open = false;
  });
})();
