// The notification settings page (networks/notifications.html): turning desktop
// notifications on asks the browser for its permission, on that click and never
// otherwise (browsers refuse a request that no click caused, and asking unprompted is
// rude). The setting itself is stored by the form; the browser's answer is shown beside
// the checkbox. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  const form = document.getElementById("attention-settings");
  if (!form) return;
  const box = document.getElementById("desktop-notifications");
  const status = document.getElementById("desktop-permission");
  const T = form.dataset;

  function supported() {
    return "Notification" in window;
  }

  // Turned on earlier, but this browser has not been asked yet (another computer, a
  // new browser): a button asks it, again only when clicked.
  const allow = document.createElement("button");
  allow.type = "button";
  allow.id = "desktop-permission-allow";
  allow.textContent = T.permissionButton;
  allow.hidden = true;
  status.after(allow);

  function ask() {
    if (!supported() || window.Notification.permission !== "default") return;
    // In the click's own task: the browser shows its question now.
    const asked = window.Notification.requestPermission();
    if (asked && typeof asked.then === "function") asked.then(show, show);
  }

  function show() {
    allow.hidden = true;
    if (!supported()) {
      status.textContent = box.checked ? T.permissionUnsupported : "";
      return;
    }
    const p = window.Notification.permission;
    if (!box.checked) status.textContent = "";
    else if (p === "granted") status.textContent = T.permissionGranted;
    else if (p === "denied") status.textContent = T.permissionDenied;
    else {
      status.textContent = T.permissionAsk;
      allow.hidden = false;
    }
  }

  box.addEventListener("change", function () {
    show();
    if (box.checked) ask();
  });
  allow.addEventListener("click", ask);
  show();
})();
