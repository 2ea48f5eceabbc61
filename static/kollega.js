// Shared helpers for kollega pages. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = meta ? meta.getAttribute("content") : "";

  // fetch() with the CSRF header and JSON, for scripts that change things.
  window.kollegaFetch = function (url, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    opts.headers = Object.assign({ "X-CSRFToken": csrfToken, "Accept": "application/json" }, opts.headers || {});
    if (opts.body && typeof opts.body !== "string" && !(opts.body instanceof FormData)) {
      opts.body = JSON.stringify(opts.body);
      opts.headers["Content-Type"] = "application/json";
    }
    return fetch(url, opts);
  };

  document.addEventListener("DOMContentLoaded", function () {
    const summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
  });
})();
