// The old message markup, used only while message.js (renderMessage / updateMessage) is
// not there yet or returns nothing: the page keeps working at every step of #20.
import { el, timeEl } from "./util.js";

export function legacyItem(m, chat) {
  const T = chat.strings;
  const node = el("article", {
    id: "m" + m.seq,
    className: "message" + (m.author && m.author.id === chat.me ? " mine" : ""),
    "data-id": m.id,
    "data-seq": m.seq,
    "data-client-id": m.client_id || "",
  });
  const meta = el("p", { className: "meta" });
  meta.appendChild(el("strong", {}, m.author ? m.author.name : ""));
  meta.appendChild(document.createTextNode(" "));
  meta.appendChild(timeEl(m.created_at, T.locale));
  node.appendChild(meta);
  legacyUpdate(node, m, chat);
  return node;
}

export function legacyUpdate(node, m, chat) {
  const T = chat.strings;
  node
    .querySelectorAll(".body, .deleted, .reactions, .live-actions, .message-actions, .reply-to")
    .forEach((n) => n.remove());
  const meta = node.querySelector(".meta");
  if (meta && m.edited_at && !m.deleted && !meta.querySelector(".edited")) {
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("span", { className: "muted edited" }, "(" + T.edited + ")"));
  }
  if (m.deleted) {
    const p = el("p", { className: "deleted muted" });
    p.appendChild(el("em", {}, T.deleted));
    node.appendChild(p);
    return;
  }
  if (m.reply_to) {
    const reply = el("p", { className: "reply-to muted" }, T.replyTo + " ");
    reply.appendChild(
      el("a", { href: "#m" + m.reply_to.seq }, m.reply_to.author ? m.reply_to.author.name : ""),
    );
    node.appendChild(reply);
  }
  const body = el("div", { className: "body" });
  // body_html is rendered by the server (markdown-it, then nh3): safe to insert.
  body.innerHTML = m.body_html || "";
  node.appendChild(body);
  updateReactions(node, m.reactions || []);
}

// Plain counts, or the server-rendered toggle buttons' counts when they are there.
export function updateReactions(node, reactions) {
  let rx = node.querySelector(".reactions");
  if (rx && rx.querySelector("form")) {
    const byEmoji = {};
    reactions.forEach((r) => (byEmoji[r.emoji] = r));
    rx.querySelectorAll("button.reaction").forEach((b) => {
      const r = byEmoji[b.value];
      const hidden = b.querySelector(".visually-hidden");
      b.textContent = b.value + " " + (r ? r.count : 0);
      if (hidden) b.appendChild(hidden);
    });
    return;
  }
  if (!rx) {
    rx = el("div", { className: "reactions" });
    node.appendChild(rx);
  }
  rx.textContent = "";
  reactions.forEach((r) => rx.appendChild(el("span", { className: "reaction" }, r.emoji + " " + r.count)));
}
