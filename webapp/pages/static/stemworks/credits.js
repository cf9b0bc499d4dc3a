// Buy a pack through Stripe Checkout; after paying, wait for Stripe's confirmation to land.
"use strict";

(() => {
  document.querySelectorAll("form.buy").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const payment = await Stemworks.call("POST", "/api/v1/checkout", { pack: form.dataset.pack });
        window.location.assign(payment.checkout_url);
      } catch (error) {
        Stemworks.showError(form.querySelector(".form-error"), error);
        button.disabled = false;
      }
    });
  });

  const notice = document.getElementById("checkout-notice");
  if (!notice || !notice.dataset.payment) return;
  const paymentId = notice.dataset.payment;
  let tries = 0;
  const poll = async () => {
    try {
      const page = await Stemworks.call("GET", "/api/v1/payments?page_size=20");
      const payment = (page.results || []).find((p) => String(p.id) === paymentId);
      if (payment && payment.status === "paid") {
        window.location.replace(`/credits/?checkout=success&payment=${paymentId}`);
        return;
      }
    } catch { /* try again */ }
    if (++tries < 150) setTimeout(poll, 2000);
  };
  if (notice.dataset.status !== "paid") setTimeout(poll, 2000);
})();
