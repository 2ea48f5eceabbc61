// The new-thread composer (templates/networks/new_thread.html): show the fields of the
// chosen kind. Switching kinds only hides fields, never clears them, so nothing typed is
// lost; the server keeps experience parts sent with another kind too (threads.first_message).
(function () {
  "use strict";
  var form = document.getElementById("thread-form");
  if (!form) return;
  var radios = form.querySelectorAll('input[name="kind"]');
  var parts = form.querySelector("#experience-parts");
  var kept = form.querySelector("#parts-kept");

  function kind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "discussion";
  }

  function partsTyped() {
    return Array.prototype.some.call(parts.querySelectorAll("textarea"), function (t) {
      return t.value.trim() !== "";
    });
  }

  function show() {
    var experience = kind() === "experience";
    parts.hidden = !experience && !parts.querySelector(".has-error");
    form.querySelectorAll("[data-kind-text]").forEach(function (el) {
      el.hidden = (el.getAttribute("data-kind-text") === "experience") !== experience;
    });
    // Say so when hidden parts hold text: they are kept, not thrown away.
    var text = !experience && partsTyped() ? kept.getAttribute("data-kept-text") : "";
    if (kept.textContent !== text) kept.textContent = text;
  }

  radios.forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  show();
})();
