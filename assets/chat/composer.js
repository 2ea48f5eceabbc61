// The composer: Enter sends, Shift+Enter breaks the line (and nothing happens when another
// module, the mention listbox, has handled the key already); the reply chip
// (chat.setReply); typing notices; each send runs the beforeSend hooks and hands the
// payload to the outbox, then the afterSend hooks.
import { el, fmt, plainText } from "./util.js";
import { newClientId } from "./outbox.js";

export function init(chat) {
  const { form, textarea, socket, strings: T, threadId } = chat;
  let reply = null; // {id, name, excerpt}

  chat.focusComposer = () => {
    if (textarea) textarea.focus();
  };
  chat.setReply = () => {};
  if (!form || !textarea) return;

  // --- the reply chip ---------------------------------------------------------------------
  const chip = el("div", { id: "reply-chip", className: "reply-chip" });
  chip.hidden = true;
  const chipText = el("p", { id: "reply-chip-text", className: "reply-chip-text" });
  const cancel = el("button", { type: "button", className: "link" }, T.cancelReply);
  chip.appendChild(chipText);
  chip.appendChild(cancel);
  form.insertBefore(chip, form.querySelector(".composer-field") || form.firstChild);
  cancel.addEventListener("click", () => {
    chat.setReply(null);
    textarea.focus();
  });

  chat.setReply = (m) => {
    const field = form.querySelector("input[name=reply_to]");
    if (field) field.value = "";
    if (!m || !m.id) {
      reply = null;
      chip.hidden = true;
      chipText.textContent = "";
      setDescribed(false);
      return;
    }
    const name = (m.author && m.author.name) || m.name || "";
    const excerpt = m.excerpt || (m.body_html ? plainText(m.body_html, 80) : "");
    reply = { id: Number(m.id), name, excerpt };
    chipText.textContent = fmt(T.replyingTo, { name }) + (excerpt ? ": " + excerpt : "");
    chip.hidden = false;
    setDescribed(true);
    textarea.focus();
  };
  function setDescribed(on) {
    const ids = (textarea.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    const rest = ids.filter((id) => id !== "reply-chip-text");
    textarea.setAttribute("aria-describedby", (on ? ["reply-chip-text"] : []).concat(rest).join(" "));
  }
  // A reply chosen on the server (?reply=): the note it rendered becomes the chip.
  const field = form.querySelector("input[name=reply_to]");
  if (field && field.value) {
    const note = form.querySelector(".reply-note");
    if (note) note.remove();
    const target = chat.list.querySelector(':scope > [data-id="' + Number(field.value) + '"]');
    const name = target && target.querySelector(".meta strong, .author");
    const body = target && target.querySelector(".body");
    chat.setReply({
      id: Number(field.value),
      name: name ? name.textContent.trim() : "",
      excerpt: body ? plainText(body.innerHTML, 80) : "",
    });
  }
  chat.on("beforeSend", (payload) => {
    if (reply) payload.reply_to = reply.id;
  });
  chat.on("afterSend", () => chat.setReply(null));

  // --- keys, typing, sending ------------------------------------------------------------
  const hint = el("p", { className: "hint", id: "composer-keys" }, T.composerHint);
  const hints = form.querySelector(".composer-field .hint");
  if (hints) hints.before(hint);
  else textarea.after(hint);
  const described = textarea.getAttribute("aria-describedby");
  textarea.setAttribute("aria-describedby", (described ? described + " " : "") + "composer-keys");

  textarea.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented) return; // the mention listbox took it
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  // The box grows with what is written, up to a third of the screen (CSS max-height).
  const grow = () => {
    textarea.style.height = "auto";
    textarea.style.height = textarea.scrollHeight + 2 + "px";
  };
  let lastTyping = 0;
  textarea.addEventListener("input", () => {
    grow();
    const now = Date.now();
    if (socket.connected && now - lastTyping > 3000) {
      lastTyping = now;
      socket.emit("typing", { thread_id: threadId });
    }
  });

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = textarea.value.trim();
    // A message may be only files (uploads.js: chat.pendingUploads).
    if (!body && !(chat.pendingUploads && chat.pendingUploads())) {
      textarea.focus();
      return;
    }
    const payload = { thread_id: threadId, client_id: newClientId(), body };
    chat.run("beforeSend", payload);
    chat.outbox.submit(payload);
    textarea.value = "";
    grow();
    chat.run("afterSend", payload);
    textarea.focus();
    chat.scrollToBottom();
  });
}
