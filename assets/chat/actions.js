// Every message's actions, live, on server-rendered and live messages alike (one listener
// on chat.list): Reager (the emoji picker), Svar (chat.setReply), Rediger (in place, saved
// with message:edit), Slett (an inline confirmation, message:delete), Kopier lenke,
// Følg tråden (thread:follow), Vis endringer (the edit history in a dialog), and the
// reaction buttons (reaction:toggle). Changes by others arrive as message:edited /
// message:deleted (the shell's list calls updateMessage) and reaction:changed (here).
import { fromElement, updateMessage } from "./message.js";
import { openPicker } from "./picker.js";
import { attachMentions } from "./mentions.js";

const ACK_TIMEOUT_MS = 8000;

function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) =>
    values[k] === undefined ? "" : String(values[k]),
  );
}

function textOf(htmlText, length) {
  const doc = new DOMParser().parseFromString(htmlText || "", "text/html");
  const words = (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  return words.length > length ? words.slice(0, length - 1) + "…" : words;
}

export function init(chat) {
  const { list, socket, strings: T, threadId } = chat;
  if (!list) return chat;

  // --- small helpers ----------------------------------------------------------------------
  function emit(event, payload, done) {
    if (!socket.connected) {
      done({ ok: false, error: { message: T.offlineAction || T.offline || "" } });
      return;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, ack) => {
      if (err || !ack) done({ ok: false, error: { message: T.actionFailed || "" } });
      else done(ack);
    });
  }

  const status = document.createElement("p");
  status.id = "action-status";
  status.className = "action-status";
  status.setAttribute("role", "status");
  (chat.root || document.body).appendChild(status);
  let statusTimer = null;
  function say(text, isError) {
    clearTimeout(statusTimer);
    status.textContent = "";
    status.classList.toggle("error", !!isError);
    // Emptied first, so that the same words twice are announced twice.
    setTimeout(() => {
      status.textContent = text || "";
      statusTimer = setTimeout(() => (status.textContent = ""), 6000);
    }, 30);
  }
  const failed = (ack) => say((ack.error && ack.error.message) || T.actionFailed, true);

  const articleOf = (node) => node.closest("article.message[data-id]");
  const messageOf = (article) => article._message || fromElement(article);
  const byId = (id) => list.querySelector(':scope > article.message[data-id="' + Number(id) + '"]');

  // --- what the viewer may do (the server checks every action again) -----------------------
  chat.viewer = chat.viewer || null;
  fetch("/api/v1/threads/" + threadId, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
    .then((r) => (r.ok ? r.json() : null))
    .then((t) => {
      if (!t) return;
      chat.viewer = {
        can_post: !!t.can_post,
        can_moderate: !!t.can_moderate,
        edit_window_minutes: Number(t.edit_window_minutes),
        following: !!t.following,
      };
      setFollowing(chat.viewer.following);
      // Live-rendered messages were drawn before this was known.
      list.querySelectorAll(":scope > article.message").forEach((a) => {
        if (a._message) updateMessage(a, {}, chat);
      });
    })
    .catch(() => {});

  // --- reactions -------------------------------------------------------------------------
  function setReactions(messageId, reactions) {
    const article = byId(messageId);
    if (article) updateMessage(article, { reactions: reactions || [] }, chat);
  }
  function react(article, emoji, on) {
    const payload = { message_id: Number(article.dataset.id), emoji };
    if (on !== undefined) payload.on = on;
    emit("reaction:toggle", payload, (ack) => {
      if (!ack.ok) return failed(ack);
      setReactions(article.dataset.id, ack.reactions);
    });
  }
  socket.on("reaction:changed", (d) => {
    if (Number(d.thread_id) === threadId) setReactions(d.message_id, d.reactions);
  });

  // --- reply ---------------------------------------------------------------------------------
  function reply(article) {
    const m = messageOf(article);
    const target = {
      id: m.id,
      seq: m.seq,
      author: m.author,
      excerpt: textOf(m.body_html, 80),
    };
    if (typeof chat.setReply === "function" && chat.setReply.length) {
      chat.setReply(target);
      return;
    }
    // No reply chip yet (the shell's): a Markdown quote in the composer.
    if (chat.textarea) {
      const quote = "> **" + (m.author ? m.author.name : "") + "**: " + target.excerpt + "\n\n";
      chat.textarea.value = quote + chat.textarea.value;
      chat.textarea.focus();
    }
  }

  // --- edit in place -----------------------------------------------------------------------
  function source(m, done) {
    if (typeof m.body === "string") return done(m.body);
    fetch("/api/v1/threads/" + threadId + "/messages?after_seq=" + (m.seq - 1) + "&limit=1", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((data) => {
        const found = (data.messages || []).find((x) => Number(x.id) === Number(m.id));
        done(found ? found.body : null);
      })
      .catch(() => done(null));
  }

  function startEdit(article) {
    if (article.classList.contains("editing")) return;
    const m = messageOf(article);
    source(m, (text) => {
      if (text === null) return say(T.actionFailed, true);
      openEditor(article, m, text);
    });
  }

  function openEditor(article, m, text) {
    const body = article.querySelector(":scope > .body");
    if (!body) return;
    article.classList.add("editing");
    const id = "edit-" + m.id;
    const form = document.createElement("form");
    form.className = "edit-form";
    form.noValidate = true;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.className = "visually-hidden";
    label.textContent = T.editLabel;
    const area = document.createElement("textarea");
    area.id = id;
    area.name = "body";
    area.rows = Math.min(12, Math.max(2, text.split("\n").length + 1));
    area.value = text;
    area.setAttribute("aria-describedby", id + "-hint");
    const hint = document.createElement("p");
    hint.id = id + "-hint";
    hint.className = "hint";
    hint.textContent = T.editHint;
    const error = document.createElement("p");
    error.className = "error";
    error.id = id + "-error";
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "primary";
    save.textContent = T.save;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = T.cancel;
    const buttons = document.createElement("div");
    buttons.className = "edit-buttons";
    buttons.append(save, cancel);
    form.append(label, area, hint, error, buttons);
    body.hidden = true;
    body.after(form);
    const mentions = attachMentions(area, chat);

    function finish(next) {
      if (mentions) mentions.destroy();
      form.remove();
      body.hidden = false;
      article.classList.remove("editing");
      const pending = article._pending;
      article._pending = null;
      if (next || pending) updateMessage(article, Object.assign({}, pending || {}, next || {}), chat);
      const back = article.querySelector('[data-action="edit"]');
      if (back) back.focus();
    }
    area.addEventListener("keydown", (ev) => {
      if (ev.defaultPrevented) return; // the mention listbox had it
      if (ev.key === "Escape") {
        ev.preventDefault();
        finish(null);
      } else if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    cancel.addEventListener("click", () => finish(null));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const value = area.value.trim();
      if (!value) {
        error.textContent = T.emptyEdit;
        area.setAttribute("aria-invalid", "true");
        area.setAttribute("aria-describedby", id + "-hint " + id + "-error");
        area.focus();
        return;
      }
      save.disabled = true;
      emit("message:edit", { message_id: m.id, body: value }, (ack) => {
        save.disabled = false;
        if (!ack.ok) {
          error.textContent = (ack.error && ack.error.message) || T.actionFailed;
          area.setAttribute("aria-invalid", "true");
          area.setAttribute("aria-describedby", id + "-hint " + id + "-error");
          area.focus();
          return;
        }
        finish(ack.message);
        say(T.saved);
      });
    });
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  // --- delete, with an inline confirmation ---------------------------------------------------
  function askDelete(article, button) {
    if (article.querySelector(".confirm-delete")) return;
    const m = messageOf(article);
    const box = document.createElement("div");
    box.className = "confirm-delete";
    box.setAttribute("role", "group");
    const qid = "confirm-delete-" + m.id;
    box.setAttribute("aria-labelledby", qid);
    const question = document.createElement("p");
    question.id = qid;
    question.textContent = T.confirmDelete;
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "danger";
    yes.textContent = T.confirmDeleteYes;
    const no = document.createElement("button");
    no.type = "button";
    no.textContent = T.cancel;
    box.append(question, yes, no);
    const bar = article.querySelector(".message-actions");
    (bar || button).after(box);
    const close = () => {
      box.remove();
      const back = article.querySelector('[data-action="delete"]');
      if (back) back.focus();
    };
    no.addEventListener("click", close);
    box.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        close();
      }
    });
    yes.addEventListener("click", () => {
      yes.disabled = true;
      emit("message:delete", { message_id: m.id }, (ack) => {
        if (!ack.ok) {
          yes.disabled = false;
          return failed(ack);
        }
        box.remove();
        updateMessage(article, { deleted: true, body_html: "", reactions: [], reply_to: null }, chat);
        article.setAttribute("tabindex", "-1");
        article.focus();
        say(T.deletedDone);
      });
    });
    yes.focus();
  }

  // --- copy link, follow -------------------------------------------------------------------
  function copyLink(article) {
    const url = window.location.origin + window.location.pathname + "#m" + article.dataset.seq;
    const done = () => say(T.linkCopied);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, () => fallbackCopy(url, done));
    } else fallbackCopy(url, done);
  }
  function fallbackCopy(url, done) {
    const input = document.createElement("textarea");
    input.value = url;
    input.setAttribute("readonly", "");
    input.className = "visually-hidden";
    document.body.appendChild(input);
    input.select();
    try {
      document.execCommand("copy");
      done();
    } catch (e) {
      say(url);
    }
    input.remove();
  }

  function setFollowing(on) {
    if (chat.viewer) chat.viewer.following = on;
    list.querySelectorAll('[data-action="follow"]').forEach((b) =>
      b.setAttribute("aria-pressed", on ? "true" : "false"),
    );
    // The thread header's own button (a form, the shell's) says the same.
    const head = (chat.root || document).querySelector(
      'form button[name="action"][value="follow"], form button[name="action"][value="unfollow"]',
    );
    if (head && !list.contains(head)) {
      head.value = on ? "unfollow" : "follow";
      head.textContent = on ? T.stopFollowing : T.follow;
    }
  }
  function follow(button) {
    const on = button.getAttribute("aria-pressed") !== "true";
    emit("thread:follow", { thread_id: threadId, following: on }, (ack) => {
      if (!ack.ok) return failed(ack);
      setFollowing(!!ack.following);
      say(ack.following ? T.followingNow : T.notFollowing);
    });
  }

  // --- edit history ------------------------------------------------------------------------
  let historyDialog = null;
  let historyReturn = null;
  function historyBox() {
    if (historyDialog) return historyDialog;
    const d = document.createElement("dialog");
    d.id = "history-dialog";
    d.className = "history-dialog";
    d.setAttribute("aria-labelledby", "history-title");
    const head = document.createElement("div");
    head.className = "history-head";
    const h = document.createElement("h2");
    h.id = "history-title";
    h.textContent = T.historyTitle;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "history-close";
    close.textContent = T.close;
    close.addEventListener("click", () => d.close());
    head.append(h, close);
    const content = document.createElement("div");
    content.className = "history-content";
    d.append(head, content);
    d.addEventListener("close", () => {
      const back = historyReturn;
      historyReturn = null;
      if (back && back.isConnected) back.focus();
    });
    d.addEventListener("click", (ev) => {
      if (ev.target === d) d.close();
    });
    document.body.appendChild(d);
    historyDialog = d;
    return d;
  }
  const when = (iso) => {
    try {
      return new Intl.DateTimeFormat(T.locale === "en" ? "en-GB" : "nb-NO", {
        dateStyle: "short",
        timeStyle: "short",
        timeZone: "Europe/Oslo",
      }).format(new Date(iso));
    } catch (e) {
      return iso;
    }
  };
  function version(titleText, bodyHtml) {
    const li = document.createElement("li");
    const p = document.createElement("p");
    p.className = "history-when";
    p.textContent = titleText;
    const body = document.createElement("div");
    body.className = "body";
    body.innerHTML = bodyHtml; // rendered and cleaned by the server (markdown-it, nh3)
    li.append(p, body);
    return li;
  }
  function showHistory(article, button) {
    const m = messageOf(article);
    const d = historyBox();
    const content = d.querySelector(".history-content");
    content.textContent = T.loading;
    historyReturn = button;
    if (!d.open) d.showModal();
    d.querySelector(".history-close").focus();
    fetch("/api/v1/messages/" + m.id + "/history", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((edits) => {
        content.textContent = "";
        const ol = document.createElement("ol");
        ol.className = "history-list";
        ol.appendChild(version(T.historyNow, m.body_html || ""));
        edits
          .slice()
          .reverse()
          .forEach((e) => {
            const by = e.editor ? e.editor.name : "";
            ol.appendChild(
              version(fmt(T.historyReplaced, { when: when(e.edited_at), name: by }), e.previous_html),
            );
          });
        if (!edits.length) {
          const none = document.createElement("p");
          none.textContent = T.historyNone;
          content.appendChild(none);
        }
        content.appendChild(ol);
      })
      .catch(() => {
        content.textContent = T.actionFailed;
      });
  }

  // --- one listener for every message, now and later ---------------------------------------
  list.addEventListener("click", (ev) => {
    const button = ev.target.closest("button");
    if (!button || !list.contains(button)) return;
    const article = articleOf(button);
    if (!article || article.classList.contains("outbox")) return;
    if (button.classList.contains("reaction") && button.dataset.emoji) {
      react(article, button.dataset.emoji, button.getAttribute("aria-pressed") !== "true");
      return;
    }
    switch (button.dataset.action) {
      case "react":
        openPicker(button, chat, (emoji) => react(article, emoji, true));
        break;
      case "reply":
        reply(article);
        break;
      case "edit":
        startEdit(article);
        break;
      case "delete":
        askDelete(article, button);
        break;
      case "copy-link":
        copyLink(article);
        break;
      case "follow":
        follow(button);
        break;
      case "history":
        showHistory(article, button);
        break;
      default:
        return;
    }
    ev.preventDefault();
  });

  // The thread header's own follow button (a form) and these stay in step after a toggle.
  chat.setFollowing = setFollowing;
  return chat;
}
