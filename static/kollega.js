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

  // A table wrapper that scrolls sideways must be reachable by keyboard and named (axe:
  // scrollable-region-focusable): it becomes a region named by its table's caption. One
  // that fits gets no role and no Tab stop. Wrappers with a role in the template are left
  // as they are.
  function markScrollingTables(wraps) {
    wraps.forEach(function (wrap) {
      if (wrap.hasAttribute("role") && !wrap.dataset.scrollRegion) return;
      const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.dataset.scrollRegion) {
        wrap.dataset.scrollRegion = "1";
        wrap.setAttribute("role", "region");
        wrap.setAttribute("tabindex", "0");
        const caption = wrap.querySelector("caption");
        const section = wrap.closest("[aria-labelledby]");
        if (caption) {
          if (!caption.id) caption.id = "caption-" + Math.random().toString(36).slice(2, 10);
          wrap.setAttribute("aria-labelledby", caption.id);
        } else if (section) {
          wrap.setAttribute("aria-labelledby", section.getAttribute("aria-labelledby"));
        } else {
          const heading = document.querySelector("h1");
          wrap.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
        }
      } else if (!scrolls && wrap.dataset.scrollRegion) {
        delete wrap.dataset.scrollRegion;
        ["role", "tabindex", "aria-labelledby", "aria-label"].forEach(function (a) {
          wrap.removeAttribute(a);
        });
      }
    });
  }

  // On a phone the main menu's links fold behind a "Menu" button (without script they
  // stay shown, as on a wide screen). Escape closes it and gives the button its focus back.
  function setUpPhoneMenu() {
    const header = document.querySelector(".site-header");
    const toggle = header && header.querySelector(".menu-toggle");
    if (!toggle) return;
    toggle.hidden = false;
    header.classList.add("has-menu-toggle");
    function show(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    }
    toggle.addEventListener("click", function () {
      show(toggle.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        show(false);
        toggle.focus();
      }
    });
  }

  // A refused date or number (the page shown again with the message beside its field)
  // keeps what was typed in its value attribute, but a date, month or number input shows
  // nothing for text it cannot read: such a field becomes a text field showing what was
  // typed, to be corrected.
  function showRefusedDates() {
    const refused = ["date", "month", "number"].map(function (type) {
      return 'input[type="' + type + '"][aria-invalid="true"]';
    });
    document.querySelectorAll(refused.join(", ")).forEach(function (input) {
      const typed = input.getAttribute("value");
      if (typed && !input.value) {
        input.type = "text";
        input.value = typed;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showRefusedDates();
    const wraps = Array.prototype.slice.call(document.querySelectorAll(".table-wrap, .table-scroll"));
    markScrollingTables(wraps);
    if (wraps.length && "ResizeObserver" in window) {
      // Also when the window narrows, text is zoomed or a closed <details> opens.
      const observer = new ResizeObserver(function () {
        markScrollingTables(wraps);
      });
      wraps.forEach(function (w) {
        observer.observe(w);
        const table = w.querySelector("table");
        if (table) observer.observe(table);
      });
    }
    setUpPhoneMenu();
    const summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
  });
})();
