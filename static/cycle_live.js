// In-app notices of the annual cycle: the scheduler sends cycle:reminder,
// cycle:stop_opened and cycle:stop_closed to the person's own room; they are shown in a
// polite live region (templates/cycle/_live.html) without a reload. No inline scripts:
// the CSP forbids them, so the strings come from data attributes.
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function when(iso, locale) {
    const date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    try {
      return new Intl.DateTimeFormat(locale === "nb" ? "nb-NO" : "en-GB", {
        dateStyle: "short",
        timeStyle: "short",
        timeZone: "Europe/Oslo",
      }).format(date);
    } catch (e) {
      return date.toLocaleString();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const region = document.getElementById("cycle-live");
    const stringsEl = document.getElementById("cycle-live-strings");
    if (!region || !stringsEl || typeof window.io !== "function") return;
    const T = stringsEl.dataset;
    const seen = {};

    function link(payload) {
      return T.url
        .replace("987654321", encodeURIComponent(String(payload.event_id)))
        .replace("OCCURRENCE", encodeURIComponent(String(payload.occurrence || "")));
    }

    function show(key, text, payload) {
      // Shown once per page, keyed by kind, event and occurrence.
      if (seen[key]) return;
      seen[key] = true;
      const box = document.createElement("div");
      box.className = "notice";
      box.dataset.cycleNotice = key;
      const p = document.createElement("p");
      p.textContent = text;
      box.appendChild(p);
      const actions = document.createElement("div");
      actions.className = "actions";
      if (payload.event_id && payload.occurrence) {
        const a = document.createElement("a");
        a.href = link(payload);
        a.textContent = T.open;
        const hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = ": " + (payload.title || "");
        a.appendChild(hidden);
        actions.appendChild(a);
      } else if (payload.href) {
        const a = document.createElement("a");
        a.href = payload.href;
        a.textContent = payload.label;
        actions.appendChild(a);
      }
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "link";
      dismiss.textContent = T.dismiss;
      dismiss.addEventListener("click", function () {
        box.remove();
        const main = document.getElementById("main");
        if (main) main.focus();
      });
      actions.appendChild(dismiss);
      box.appendChild(actions);
      region.appendChild(box);
      while (region.children.length > 5) region.removeChild(region.firstElementChild);
    }

    function on(kind, template, withTime) {
      socket.on(kind, function (payload) {
        if (!payload || typeof payload !== "object") return;
        const values = { title: payload.title || "" };
        if (withTime) values.when = when(payload.starts_at, T.locale);
        const key = [kind, payload.event_id, payload.occurrence, payload.what].join("|");
        show(key, format(template, values), payload);
      });
    }

    // One socket per page: reuse the chat's when the page has one.
    const socket =
      (window.kollegaChat && window.kollegaChat.socket) ||
      window.io({ transports: ["websocket", "polling"], reconnectionDelayMax: 10000 });
    window.kollegaCycleLive = { socket: socket };
    on("cycle:reminder", T.reminder, true);
    on("cycle:stop_opened", T.opened, false);
    on("cycle:stop_closed", T.closed, false);
    // Signed out elsewhere, deactivated or role changed: the server closes this socket.
    // Say so with a link to sign in again; moving the page away unasked would be a change
    // of context the person did not ask for (and would race a sign-out they started here).
    socket.on("session:ended", function () {
      show("session:ended", T.ended, { href: T.login, label: T.signIn });
    });
    // The bell's count follows new notifications without a reload; the list itself is the
    // notifications page, so only the number changes here.
    socket.on("notification:new", function () {
      const bell = document.getElementById("notification-bell");
      if (!bell) return;
      let badge = bell.querySelector("[data-notification-count]");
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        badge.setAttribute("data-notification-count", "0");
        const hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " " + (bell.getAttribute("data-unread-label") || "");
        bell.appendChild(document.createTextNode(" "));
        bell.appendChild(badge);
        badge.appendChild(document.createTextNode("0"));
        badge.appendChild(hidden);
      }
      const count = parseInt(badge.getAttribute("data-notification-count"), 10) + 1;
      badge.setAttribute("data-notification-count", String(count));
      badge.firstChild.textContent = String(count);
    });
  });
})();
