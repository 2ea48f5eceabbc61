// Mentions in the composer and in the edit textarea: "@" and two letters offers the
// network's members whose names have them (GET /api/v1/networks/{id}/members?q=), and
// "@alle" to a facilitator, as a listbox of options under the textarea. Keyboard first:
// ArrowDown/ArrowUp move, Enter or Tab pick, Escape closes. The textarea stays a textbox
// (DESIGN: the composer is a textbox named Melding) and points at the listbox with
// aria-controls, aria-autocomplete="list" and aria-activedescendant; aria-expanded is not
// allowed on a textbox, so the listbox's presence says it is open.
// The keydown listener runs in the capture phase and calls preventDefault() for the keys it
// used, so the composer's and the editor's own Enter/Escape handlers leave them alone.

const MIN_LETTERS = 2;
// "@" at the start or after a space or bracket, then up to three words of a name.
const TRIGGER = /(?:^|[\s(])@([\p{L}\p{M}'’.-]{2,}(?: [\p{L}\p{M}'’.-]*){0,2})$/u;
let counter = 0;

export function attachMentions(textarea, chat) {
  if (!textarea || !chat.networkId) return null;
  const T = chat.strings;
  const id = "mention-list-" + ++counter;
  const box = document.createElement("ul");
  box.id = id;
  box.className = "mention-list";
  box.setAttribute("role", "listbox");
  box.setAttribute("aria-label", T.mentionsLabel || "");
  box.hidden = true;
  textarea.after(box);
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", id);

  let options = []; // [{name, label}]
  let active = -1;
  let query = null; // {start, end, text}
  let timer = null;
  let picked = null; // the mention just inserted: not offered again
  const cache = new Map();

  function close() {
    box.hidden = true;
    box.textContent = "";
    options = [];
    active = -1;
    textarea.removeAttribute("aria-activedescendant");
  }
  const isOpen = () => !box.hidden && options.length > 0;

  function setActive(i) {
    active = (i + options.length) % options.length;
    Array.from(box.children).forEach((li, n) => {
      li.setAttribute("aria-selected", n === active ? "true" : "false");
    });
    const li = box.children[active];
    if (li) {
      textarea.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
  }

  function show(found) {
    options = found;
    box.textContent = "";
    if (!options.length) return close();
    options.forEach((o, n) => {
      const li = document.createElement("li");
      li.id = id + "-" + n;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = o.label;
      // mousedown, so the textarea keeps the focus.
      li.addEventListener("mousedown", (ev) => {
        ev.preventDefault();
        pick(n);
      });
      box.appendChild(li);
    });
    box.hidden = false;
    setActive(0);
  }

  function pick(n) {
    const o = options[n];
    if (!o || !query) return close();
    const before = textarea.value.slice(0, query.start);
    const after = textarea.value.slice(query.end);
    const insert = "@" + o.name + " ";
    textarea.value = before + insert + after.replace(/^ /, "");
    const caret = before.length + insert.length;
    textarea.setSelectionRange(caret, caret);
    picked = { start: before.length, text: insert };
    query = null;
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function candidates(q, done) {
    const key = q.toLowerCase();
    if (cache.has(key)) return done(cache.get(key));
    fetch("/api/v1/networks/" + chat.networkId + "/members?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((r) => (r.ok ? r.json() : []))
      .then((rows) => {
        const people = rows
          .filter((r) => r.person && Number(r.person.id) !== Number(chat.me))
          .map((r) => ({ name: r.person.name, label: r.person.name }));
        cache.set(key, people);
        done(people);
      })
      .catch(() => done([]));
  }

  function lookup() {
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return close();
    const head = textarea.value.slice(0, caret);
    const match = TRIGGER.exec(head);
    if (!match || match[1].trim().length < MIN_LETTERS) {
      query = null;
      return close();
    }
    const text = match[1].replace(/\s+$/, "");
    const start = caret - match[1].length - 1;
    if (picked && picked.start === start && textarea.value.startsWith(picked.text.trim(), start)) {
      return close();
    }
    picked = null;
    query = { start, end: caret, text };
    clearTimeout(timer);
    timer = setTimeout(() => {
      const asked = text;
      candidates(asked, (people) => {
        if (!query || query.text !== asked) return; // typed on meanwhile
        const found = people.slice();
        const viewer = chat.viewer || {};
        const everyone = "alle";
        if (viewer.can_moderate && everyone.startsWith(asked.toLowerCase())) {
          found.push({ name: "alle", label: "@alle · " + (T.mentionAll || "") });
        }
        show(found);
      });
    }, 120);
  }

  function onKey(ev) {
    if (!isOpen() || ev.isComposing) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      setActive(active + (ev.key === "ArrowDown" ? 1 : -1));
    } else if (ev.key === "Enter" || ev.key === "Tab") {
      if (ev.shiftKey && ev.key === "Enter") return;
      ev.preventDefault();
      pick(active < 0 ? 0 : active);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      query = null;
      close();
    }
  }
  function onBlur() {
    setTimeout(() => {
      if (document.activeElement !== textarea) close();
    }, 150);
  }
  textarea.addEventListener("keydown", onKey, true);
  textarea.addEventListener("input", lookup);
  textarea.addEventListener("click", lookup);
  textarea.addEventListener("blur", onBlur);

  return {
    close,
    destroy() {
      textarea.removeEventListener("keydown", onKey, true);
      textarea.removeEventListener("input", lookup);
      textarea.removeEventListener("click", lookup);
      textarea.removeEventListener("blur", onBlur);
      box.remove();
    },
  };
}

export function init(chat) {
  if (chat.textarea) chat.mentions = attachMentions(chat.textarea, chat);
  return chat;
}
