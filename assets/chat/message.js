// One message of the thread page: renderMessage(m, chat) and updateMessage(el, m, chat).
// The server-side twin is templates/networks/_message.html; the two make the same markup:
//
//   <article id="m<seq>" class="message [mine] [accepted] [is-deleted]" data-id data-seq
//            data-client-id data-author data-created aria-labelledby="m<seq>-author m<seq>-time">
//     <header class="meta"> <strong class="author"> <a class="permalink"><time>
//        [<span class="edited">] [<span class="badge mentioned">] </header>
//     [<blockquote class="reply-quote"><a href="#m<seq>">… author: excerpt</a></blockquote>]
//     <div class="body"> (or <p class="deleted">)   [attachments]   <div class="reactions">
//     <div class="message-actions" role="group"> buttons with data-action: react, reply,
//        edit, delete, copy-link, follow, history </div>
//   </article>
//
// The list (role="log", owned by the shell) holds these articles directly. Buttons work by
// event delegation on chat.list (actions.js), so server-rendered and live messages behave
// the same. Mentions carry only the person's id (data-person); the reader's own are marked
// here ("me"), with the "you were mentioned" badge.
import { html, nothing, render } from "lit-html";
import { unsafeHTML } from "lit-html/directives/unsafe-html.js";
import { renderAttachments } from "./attachments.js";

function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) =>
    values[k] === undefined ? "" : String(values[k]),
  );
}

let timeFormat = null;
function formatTime(iso, T) {
  const d = iso ? new Date(iso) : new Date();
  if (!timeFormat) {
    try {
      timeFormat = new Intl.DateTimeFormat(T.locale === "en" ? "en-GB" : "nb-NO", {
        dateStyle: "short",
        timeStyle: "short",
        timeZone: "Europe/Oslo",
      });
    } catch (e) {
      timeFormat = { format: (x) => x.toLocaleString() };
    }
  }
  return timeFormat.format(d);
}

// What the viewer may do with message m (the server checks each action again).
export function permissionsFor(m, chat) {
  const viewer = chat.viewer || {};
  const me = Number(chat.me);
  const mine = !!(m.author && Number(m.author.id) === me);
  const canPost = viewer.can_post !== undefined ? !!viewer.can_post : !!chat.form;
  const windowMin = viewer.edit_window_minutes !== undefined ? viewer.edit_window_minutes : 60;
  const age = (Date.now() - new Date(m.created_at).getTime()) / 60000;
  return {
    mine,
    canPost,
    canEdit: canPost && mine && !m.deleted && windowMin > 0 && age < windowMin,
    canDelete: canPost && (mine || !!viewer.can_moderate),
    following: !!viewer.following,
  };
}

function reactionList(m, chat) {
  const me = Number(chat.me);
  return (m.reactions || []).map((r) => ({
    emoji: r.emoji,
    count: r.count,
    mine: r.mine !== undefined ? !!r.mine : (r.people || []).map(Number).indexOf(me) >= 0,
  }));
}

function reactionsTpl(m, chat, p) {
  const T = chat.strings;
  return html`<div class="reactions">${reactionList(m, chat).map((r) =>
    p.canPost
      ? html`<button type="button" class="reaction" data-emoji=${r.emoji} aria-pressed=${r.mine ? "true" : "false"}>${r.emoji} <span class="count">${r.count}</span><span class="visually-hidden"> ${T.reactions}</span></button>`
      : html`<span class="reaction">${r.emoji} <span class="count">${r.count}</span><span class="visually-hidden"> ${T.reactions}</span></span>`,
  )}</div>`;
}

function actionsTpl(m, chat, p) {
  const T = chat.strings;
  const name = m.author ? m.author.name : "";
  return html`<div class="message-actions" role="group" aria-label=${fmt(T.actionsFor, { name })}>
    ${p.canPost
      ? html`<button type="button" data-action="react" aria-haspopup="dialog"><span class="action-label">${T.react}</span></button>
          <button type="button" data-action="reply"><span class="action-label">${T.reply}</span></button>
          ${p.canEdit ? html`<button type="button" data-action="edit"><span class="action-label">${T.edit}</span></button>` : nothing}
          ${p.canDelete ? html`<button type="button" data-action="delete"><span class="action-label">${T.delete}</span></button>` : nothing}`
      : nothing}
    <button type="button" data-action="copy-link"><span class="action-label">${T.copyLink}</span></button>
    <button type="button" data-action="follow" aria-pressed=${p.following ? "true" : "false"}><span class="action-label">${T.follow}</span></button>
    ${m.edited_at
      ? html`<button type="button" data-action="history" aria-haspopup="dialog"><span class="action-label">${T.history}</span></button>`
      : nothing}
  </div>`;
}

function replyTpl(m, chat) {
  const r = m.reply_to;
  if (!r || m.deleted) return nothing;
  const T = chat.strings;
  return html`<blockquote class="reply-quote"><a href="#m${r.seq}"><span class="visually-hidden">${T.replyTo} </span><strong>${r.author ? r.author.name : ""}</strong>${r.excerpt ? html`: <span class="excerpt">${r.excerpt}</span>` : nothing}</a></blockquote>`;
}

function innerTpl(m, chat) {
  const T = chat.strings;
  const p = permissionsFor(m, chat);
  const seq = m.seq;
  return html`<header class="meta">
      <strong class="author" id="m${seq}-author">${m.author ? m.author.name : ""}</strong>
      <a class="permalink" href="#m${seq}"><time id="m${seq}-time" datetime=${m.created_at || ""}>${formatTime(m.created_at, T)}</time></a>
      ${m.edited_at && !m.deleted ? html`<span class="edited muted">(${T.edited})</span>` : nothing}
    </header>
    ${replyTpl(m, chat)}
    ${m.deleted
      ? html`<p class="deleted muted"><em>${T.deleted}</em></p>`
      : html`<div class="body">${unsafeHTML(m.body_html || "")}</div>
          <div class="attachments-slot"></div>
          ${reactionsTpl(m, chat, p)}`}
    ${m.deleted ? nothing : actionsTpl(m, chat, p)}`;
}

function setAttributes(el, m, chat) {
  const p = permissionsFor(m, chat);
  el.id = "m" + m.seq;
  el.className =
    "message" + (p.mine ? " mine" : "") + (m.deleted ? " is-deleted" : "") +
    (el.classList.contains("accepted") ? " accepted" : "");
  el.dataset.id = String(m.id);
  el.dataset.seq = String(m.seq);
  el.dataset.clientId = m.client_id || "";
  if (m.author) el.dataset.author = String(m.author.id);
  if (m.created_at) el.dataset.created = m.created_at;
  el.setAttribute("aria-labelledby", "m" + m.seq + "-author m" + m.seq + "-time");
}

// The attachments (assets/chat/attachments.js, the uploads helper's), in their slot.
function fillAttachments(el, m) {
  const slot = el.querySelector(":scope > .attachments-slot");
  if (!slot) return;
  if (m.attachments && m.attachments.length) {
    const node = renderAttachments(m);
    if (node) {
      slot.replaceWith(node);
      return;
    }
  }
  slot.remove();
}

// The reader's own mentions highlighted, and the badge that says so.
export function markMentions(el, chat) {
  const me = String(chat.me);
  let mentioned = false;
  const author = el.dataset.author;
  el.querySelectorAll(".body .mention[data-person]").forEach((span) => {
    // "@alle" (a facilitator's) mentions everyone but its author.
    const mine = span.dataset.person === me || (span.dataset.person === "all" && author !== me);
    span.classList.toggle("me", mine);
    mentioned = mentioned || mine;
  });
  const meta = el.querySelector(":scope > .meta");
  let badge = meta ? meta.querySelector(".mentioned") : null;
  if (mentioned && meta && !badge) {
    badge = document.createElement("span");
    badge.className = "badge mentioned";
    badge.textContent = chat.strings.mentioned || "";
    meta.appendChild(badge);
  } else if (!mentioned && badge) {
    badge.remove();
  }
  el.classList.toggle("mentions-me", mentioned);
}

function paint(el, m, chat) {
  setAttributes(el, m, chat);
  // lit keeps its markers in el; a server-rendered article is emptied first.
  if (!el._litMessage) {
    el.textContent = "";
    el._litMessage = true;
  }
  render(innerTpl(m, chat), el);
  fillAttachments(el, m);
  markMentions(el, chat);
  el._message = m;
}

export function renderMessage(m, chat) {
  const el = document.createElement("article");
  paint(el, m, chat);
  return el;
}

const OWN_PARTS = ["meta", "reply-quote", "body", "deleted", "reactions", "message-actions", "attachments-slot"];

// Update in place (an edit, a deletion, reactions, or the viewer's rights changed), keeping
// the focus where it was and leaving a message that is being edited alone until it is done.
// The shell's list calls it (message:edited, message:deleted); actions.js for reactions.
export function updateMessage(el, m, chat) {
  if (!el || !m) return;
  const known = el._message || fromElement(el);
  // An edit's payload (message_json: it has the Markdown source) says nothing of the
  // reactions, which only reaction:changed changes: the ones shown stay.
  const edit = typeof m.body === "string" && !m.deleted;
  m = Object.assign({}, known, m);
  if (edit && known.reactions) m.reactions = known.reactions;
  if (el.classList.contains("editing")) {
    el._pending = m;
    return;
  }
  const active = document.activeElement;
  let refocus = null;
  if (active && el.contains(active)) {
    if (active.dataset.action) refocus = '[data-action="' + active.dataset.action + '"]';
    else if (active.dataset.emoji) refocus = '.reaction[data-emoji="' + CSS.escape(active.dataset.emoji) + '"]';
  }
  // What the server rendered beside our parts (the accepted-answer form, attachments) is
  // kept and put back in its place.
  const accept = el.querySelector(".message-actions form");
  const extras = Array.from(el.children).filter(
    (c) => !OWN_PARTS.some((name) => c.classList.contains(name)),
  );
  extras.forEach((c) => c.remove());
  paint(el, m, chat);
  if (!m.deleted) {
    const body = el.querySelector(":scope > .body");
    if (body) body.after(...extras);
    const bar = el.querySelector(".message-actions");
    if (accept && bar) bar.appendChild(accept);
  }
  if (refocus) {
    const target =
      el.querySelector(refocus) || el.querySelector(".message-actions button") || null;
    if (target) target.focus();
    else {
      el.setAttribute("tabindex", "-1");
      el.focus();
    }
  }
}

// What the page says about a server-rendered article, as a payload (for updates to it).
export function fromElement(el) {
  if (el._message) return el._message;
  const body = el.querySelector(":scope > .body");
  const author = el.querySelector(".author");
  const time = el.querySelector("time");
  const reply = el.querySelector(".reply-quote a");
  const m = {
    id: Number(el.dataset.id),
    seq: Number(el.dataset.seq),
    client_id: el.dataset.clientId || "",
    author: { id: Number(el.dataset.author), name: author ? author.textContent.trim() : "" },
    created_at: el.dataset.created || (time ? time.getAttribute("datetime") : ""),
    edited_at: el.querySelector(".meta .edited") ? "yes" : null,
    deleted: el.classList.contains("is-deleted"),
    body_html: body ? body.innerHTML : "",
    reactions: Array.from(el.querySelectorAll(".reactions .reaction")).map((b) => ({
      emoji: b.dataset.emoji || b.firstChild.textContent.trim(),
      count: Number((b.querySelector(".count") || {}).textContent || 0),
      mine: b.getAttribute("aria-pressed") === "true",
    })),
    reply_to: reply
      ? {
          seq: Number(reply.getAttribute("href").slice(2)),
          author: { name: (reply.querySelector("strong") || {}).textContent || "" },
          excerpt: (reply.querySelector(".excerpt") || {}).textContent || "",
        }
      : null,
  };
  // Attachments stay as the server rendered them (kept apart from the repaint).
  return m;
}

export function init(chat) {
  chat.renderMessage = (m) => renderMessage(m, chat);
  chat.updateMessage = (el, m) => updateMessage(el, m, chat);
  if (chat.list) {
    chat.list.querySelectorAll("article.message").forEach((el) => markMentions(el, chat));
  }
  return chat;
}
