// The chat client's entry (bundled by scripts/build_assets.mjs into static/vendor/chat.js).
// Shared state lives on one `chat` object (see chat.js) that each feature module's
// init(chat) receives: message rendering and actions, mentions, attention (title, desktop
// notifications, presence) and uploads each live in their own module.
import { io } from "socket.io-client";
import { createChat } from "./chat.js";
import * as message from "./message.js";
import * as actions from "./actions.js";
import * as mentions from "./mentions.js";
import * as attention from "./attention.js";
import * as uploads from "./uploads.js";

// The chat screen's live behaviour (thread page). No inline scripts: the CSP forbids them.
//
// Delivery, as DESIGN.md says: every message the person writes goes first into an outbox
// in localStorage (key kollega:outbox:<person>:<thread>:<client_id>), is shown as pending
// and is sent with `message:send` until the server acknowledges it with {id, seq}; a retry
// carries the same client_id, so the server stores it once. On every (re)connect the page
// joins the thread with the last seq it has seen and renders what it missed. Messages are
// keyed by seq, so nothing is shown twice.
(function () {
  "use strict";

  const root = document.getElementById("thread");
  const stringsEl = document.getElementById("chat-strings");
  if (!root || !stringsEl) return;

  const T = stringsEl.dataset;
  const threadId = Number(root.dataset.threadId);
  const networkId = Number(root.dataset.networkId);
  const me = Number(root.dataset.me);
  const list = document.getElementById("messages");
  const liveRegion = document.getElementById("live-region");
  const form = document.getElementById("composer");
  const textarea = form ? form.querySelector("textarea[name=body]") : null;
  const OUTBOX = "kollega:outbox:" + me + ":" + threadId + ":";
  const RETRY_MS = 4000;
  const ACK_TIMEOUT_MS = 8000;

  function fmt(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) {
      return values[k] === undefined ? "" : String(values[k]);
    });
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- time ---------------------------------------------------------------------------
  const timeFormat = (function () {
    try {
      return new Intl.DateTimeFormat(T.locale === "en" ? "en-GB" : "nb-NO", {
        dateStyle: "short",
        timeStyle: "short",
        timeZone: "Europe/Oslo",
      });
    } catch (e) {
      return null;
    }
  })();
  function timeEl(iso) {
    const node = el("time", { datetime: iso || "" });
    const d = iso ? new Date(iso) : new Date();
    node.textContent = timeFormat ? timeFormat.format(d) : d.toLocaleString();
    return node;
  }

  // --- the message list, keyed by seq -------------------------------------------------
  const seen = new Set();
  let lastSeq = 0; // the page holds every message from its first one up to lastSeq

  function noteSeq(seq) {
    seen.add(seq);
    while (seen.has(lastSeq + 1)) lastSeq += 1;
  }

  // The server page shows the latest page: everything up to its highest seq is known.
  list.querySelectorAll("li.message[data-seq]").forEach(function (li) {
    const seq = Number(li.dataset.seq);
    seen.add(seq);
    if (seq > lastSeq) lastSeq = seq;
  });

  function messageItem(m) {
    const li = el("li", {
      id: "m" + m.seq,
      className: "message" + (m.author && m.author.id === me ? " mine" : ""),
      "data-id": m.id,
      "data-seq": m.seq,
      "data-client-id": m.client_id || "",
    });
    const meta = el("p", { className: "meta" });
    meta.appendChild(el("strong", {}, m.author ? m.author.name : ""));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(timeEl(m.created_at));
    if (m.edited_at && !m.deleted) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("span", { className: "muted edited" }, "(" + T.edited + ")"));
    }
    li.appendChild(meta);
    // As the page renders it (networks/_message.html): whom a reply answers, linked.
    if (m.reply_to && !m.deleted) {
      const reply = el("p", { className: "reply-to muted" }, T.replyTo + " ");
      reply.appendChild(
        el("a", { href: "#m" + m.reply_to.seq }, m.reply_to.author ? m.reply_to.author.name : "")
      );
      li.appendChild(reply);
    }
    fillBody(li, m);
    return li;
  }

  function fillBody(li, m) {
    li.querySelectorAll(".body, .deleted, .reactions, .live-actions").forEach(function (n) {
      n.remove();
    });
    if (m.deleted) {
      const p = el("p", { className: "deleted muted" });
      p.appendChild(el("em", {}, T.deleted));
      li.appendChild(p);
      return;
    }
    const body = el("div", { className: "body" });
    // body_html is rendered by the server (markdown-it, then nh3): safe to insert.
    body.innerHTML = m.body_html || "";
    li.appendChild(body);
    const rx = el("div", { className: "reactions" });
    (m.reactions || []).forEach(function (r) {
      rx.appendChild(el("span", { className: "reaction" }, r.emoji + " " + r.count));
    });
    li.appendChild(rx);
    if (form) {
      const actions = el("p", { className: "live-actions inline-list" });
      const base = window.location.pathname + "?reply=" + m.id;
      actions.appendChild(el("a", { href: base + "#composer" }, T.reply));
      actions.appendChild(el("a", { href: base + "&quote=1#composer" }, T.quote));
      li.appendChild(actions);
    }
  }

  function insertBySeq(li, seq) {
    const items = list.querySelectorAll("li.message[data-seq]");
    for (let i = 0; i < items.length; i++) {
      if (Number(items[i].dataset.seq) > seq) {
        list.insertBefore(li, items[i]);
        return;
      }
    }
    // After every known message but before pending ones (they have no seq yet).
    const firstPending = list.querySelector("li.message.outbox");
    list.insertBefore(li, firstPending);
  }

  // Returns true when the message is new to this page.
  function render(m) {
    if (!m || (m.thread_id !== undefined && Number(m.thread_id) !== threadId)) return false;
    if (document.getElementById("m" + m.seq)) return false;
    const empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    const li = messageItem(m);
    // Our own pending copy becomes the real message, marked as sent.
    if (m.author && m.author.id === me && m.client_id) {
      const pending = outboxItem(m.client_id);
      if (pending) {
        pending.remove();
        li.dataset.state = "sent";
        li.querySelector(".meta").appendChild(el("span", { className: "state" }, T.sent));
      }
      dropFromOutbox(m.client_id);
    }
    insertBySeq(li, m.seq);
    noteSeq(m.seq);
    return true;
  }

  // --- live region ----------------------------------------------------------------------
  let announceTimer = null;
  let announceQueue = [];
  // New messages from others, announced once things settle (one line for a burst).
  function announce(m) {
    if (!liveRegion || !m.author || m.author.id === me) return;
    announceQueue.push(m);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      // One message is read out with its words (shortened), a burst as a count.
      const text =
        announceQueue.length === 1
          ? fmt(T.newMessage, { name: announceQueue[0].author.name }) + ": " + plainText(announceQueue[0])
          : fmt(T.newMessages, { num: announceQueue.length });
      announceQueue = [];
      // Emptied first, so that the same words twice are still announced twice.
      liveRegion.textContent = "";
      setTimeout(function () {
        liveRegion.textContent = text;
      }, 50);
    }, 300);
  }

  function plainText(m) {
    if (m.deleted) return T.deleted;
    // body_html comes sanitised from the server; parsed inert, only its text is used.
    const doc = new DOMParser().parseFromString(m.body_html || "", "text/html");
    const words = (doc.body.textContent || "").replace(/\s+/g, " ").trim();
    return words.length > 200 ? words.slice(0, 199) + "…" : words;
  }

  // --- outbox (localStorage) --------------------------------------------------------
  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }
  function saveOutbox(entry) {
    const s = storage();
    if (s) s.setItem(OUTBOX + entry.client_id, JSON.stringify(entry));
  }
  function dropFromOutbox(clientId) {
    const s = storage();
    if (s) s.removeItem(OUTBOX + clientId);
    delete inflight[clientId];
  }
  function outboxEntries() {
    const s = storage();
    const out = [];
    if (!s) return out;
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (key && key.indexOf(OUTBOX) === 0) {
        try {
          out.push(JSON.parse(s.getItem(key)));
        } catch (e) {
          s.removeItem(key);
        }
      }
    }
    return out.sort(function (a, b) {
      return a.created - b.created;
    });
  }
  function outboxItem(clientId) {
    return list.querySelector('li.message.outbox[data-client-id="' + CSS.escape(clientId) + '"]');
  }

  function renderOutbox(entry) {
    // Stored already (the ack was lost, the page came from the server): done.
    const stored = list.querySelector(
      'li.message.mine[data-seq][data-client-id="' + CSS.escape(entry.client_id) + '"]'
    );
    if (stored) {
      dropFromOutbox(entry.client_id);
      return stored;
    }
    let li = outboxItem(entry.client_id);
    if (!li) {
      li = el("li", { className: "message mine outbox", "data-client-id": entry.client_id });
      const meta = el("p", { className: "meta" });
      meta.appendChild(el("strong", {}, T.me || ""));
      meta.appendChild(el("span", { className: "state" }));
      li.appendChild(meta);
      li.appendChild(el("div", { className: "body plain" }, entry.body));
      list.appendChild(li);
      const empty = document.getElementById("no-messages");
      if (empty) empty.remove();
    }
    setState(li, entry);
    return li;
  }

  function setState(li, entry) {
    li.dataset.state = entry.state;
    const state = li.querySelector(".state");
    state.textContent = "";
    li.querySelectorAll(".outbox-actions").forEach(function (n) {
      n.remove();
    });
    if (entry.state === "failed") {
      state.textContent = T.failed + (entry.error ? ": " + entry.error : "");
      const actions = el("p", { className: "outbox-actions" });
      const retry = el("button", { type: "button" }, T.retry);
      retry.addEventListener("click", function () {
        entry.state = "pending";
        entry.error = "";
        saveOutbox(entry);
        setState(li, entry);
        send(entry);
      });
      const discard = el("button", { type: "button", className: "link" }, T.discard);
      discard.addEventListener("click", function () {
        dropFromOutbox(entry.client_id);
        li.remove();
        if (textarea) textarea.focus();
      });
      actions.appendChild(retry);
      actions.appendChild(discard);
      li.appendChild(actions);
    } else {
      state.textContent = socket.connected ? T.pending : T.waiting;
    }
  }

  const inflight = {};

  function send(entry) {
    if (!socket.connected || inflight[entry.client_id] || entry.state === "failed") return;
    inflight[entry.client_id] = true;
    const payload = { thread_id: threadId, client_id: entry.client_id, body: entry.body };
    if (entry.reply_to) payload.reply_to = entry.reply_to;
    socket.timeout(ACK_TIMEOUT_MS).emit("message:send", payload, function (err, ack) {
      delete inflight[entry.client_id];
      if (err || !ack) return; // no answer: kept, sent again on the next round
      if (ack.ok) {
        acked(entry, ack);
        return;
      }
      if (ack.error && ack.error.code === "server_error") return; // try again later
      entry.state = "failed";
      entry.error = ack.error ? ack.error.message : "";
      saveOutbox(entry);
      const li = outboxItem(entry.client_id);
      if (li) setState(li, entry);
    });
  }

  function acked(entry, ack) {
    dropFromOutbox(entry.client_id);
    const li = outboxItem(entry.client_id);
    if (document.getElementById("m" + ack.seq)) {
      if (li) li.remove(); // message:new was here first
      return;
    }
    if (li) {
      // Shown as sent until message:new (or the replay) brings the rendered body.
      li.dataset.state = "sent";
      li.querySelector(".state").textContent = T.sent;
      scheduleCatchUp();
    }
  }

  function flushOutbox() {
    outboxEntries().forEach(function (entry) {
      const li = renderOutbox(entry);
      if (li.classList.contains("outbox") && entry.state !== "failed") send(entry);
    });
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  // --- socket ----------------------------------------------------------------------------
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 3000 });
  const chat = createChat({ socket, root, strings: T, threadId, networkId, me, list, form, textarea });
  chat.lastSeq = function () { return lastSeq; };
  window.kollegaChat = chat;
  [message, actions, mentions, attention, uploads].forEach(function (m) { m.init(chat); });

  const status = el("p", { id: "chat-status", className: "chat-status", role: "status" });
  root.insertBefore(status, root.querySelector("section"));
  const typingLine = el("p", { id: "typing", className: "typing muted" });
  if (form) form.parentNode.insertBefore(typingLine, form);

  let wasOffline = false;
  function setOnline(online) {
    root.dataset.connection = online ? "online" : "offline";
    if (online) {
      status.textContent = wasOffline ? T.online : "";
    } else {
      wasOffline = true;
      status.textContent = T.offline;
    }
    list.querySelectorAll("li.message.outbox").forEach(function (li) {
      if (li.dataset.state === "pending") {
        li.querySelector(".state").textContent = online ? T.pending : T.waiting;
      }
    });
  }

  let joining = false;
  function join() {
    if (joining) return;
    joining = true;
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit("thread:join", { thread_id: threadId, after_seq: lastSeq }, function (err, ack) {
        joining = false;
        if (err || !ack || !ack.ok) return;
        let fresh = 0;
        (ack.messages || []).forEach(function (m) {
          if (render(m)) {
            fresh += 1;
            announce(m);
          }
        });
        if (ack.more) join();
        else {
          root.dataset.joined = "true";
          flushOutbox();
          markRead();
        }
        if (fresh) scrollToEndIfNear();
      });
  }

  let catchUpTimer = null;
  function scheduleCatchUp() {
    clearTimeout(catchUpTimer);
    catchUpTimer = setTimeout(function () {
      if (socket.connected) join();
    }, 250);
  }

  socket.on("connect", function () {
    setOnline(true);
    join();
    joinNetworks();
  });
  socket.on("disconnect", function () {
    root.dataset.joined = "false";
    setOnline(false);
  });
  socket.on("connect_error", function () {
    setOnline(false);
  });

  socket.on("message:new", function (m) {
    if (Number(m.thread_id) !== threadId) return;
    const near = nearEnd();
    if (render(m)) {
      announce(m);
      if (m.seq > lastSeq) scheduleCatchUp(); // a gap: ask for what is missing
      if (near || (m.author && m.author.id === me)) scrollToEnd();
      markRead();
    }
  });
  socket.on("message:edited", function (m) {
    const li = document.getElementById("m" + m.seq);
    if (!li || Number(m.thread_id) !== threadId) return;
    fillBody(li, m);
    const meta = li.querySelector(".meta");
    if (meta && !meta.querySelector(".edited") && !m.deleted) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("span", { className: "muted edited" }, "(" + T.edited + ")"));
    }
  });
  socket.on("message:deleted", function (m) {
    const li = document.getElementById("m" + m.seq);
    if (!li || Number(m.thread_id) !== threadId) return;
    li.querySelectorAll(".body, .reactions, .live-actions, .message-actions, .reply-to").forEach(
      function (n) {
        n.remove();
      }
    );
    if (!li.querySelector(".deleted")) {
      const p = el("p", { className: "deleted muted" });
      p.appendChild(el("em", {}, T.deleted));
      li.appendChild(p);
    }
  });
  socket.on("reaction:changed", function (d) {
    if (Number(d.thread_id) !== threadId) return;
    const li = list.querySelector('li.message[data-id="' + Number(d.message_id) + '"]');
    if (!li) return;
    let rx = li.querySelector(".reactions");
    if (!rx) return;
    // Keep the server-rendered buttons when they exist; otherwise plain counts.
    if (rx.querySelector("form")) {
      const byEmoji = {};
      d.reactions.forEach(function (r) {
        byEmoji[r.emoji] = r;
      });
      rx.querySelectorAll("button.reaction").forEach(function (b) {
        const r = byEmoji[b.value];
        const hidden = b.querySelector(".visually-hidden");
        b.textContent = b.value + " " + (r ? r.count : 0);
        if (hidden) b.appendChild(hidden);
      });
      return;
    }
    rx.textContent = "";
    d.reactions.forEach(function (r) {
      rx.appendChild(el("span", { className: "reaction" }, r.emoji + " " + r.count));
    });
  });

  // --- typing ------------------------------------------------------------------------------
  const typers = {};
  function showTyping() {
    const names = Object.keys(typers).map(function (k) {
      return typers[k].name;
    });
    typingLine.textContent = names.length ? fmt(T.typing, { name: names.join(", ") }) : "";
  }
  socket.on("typing", function (d) {
    if (Number(d.thread_id) !== threadId || !d.person || d.person.id === me) return;
    const key = String(d.person.id);
    if (typers[key]) clearTimeout(typers[key].timer);
    typers[key] = {
      name: d.person.name,
      timer: setTimeout(function () {
        delete typers[key];
        showTyping();
      }, 5000),
    };
    showTyping();
  });
  socket.on("message:new", function (m) {
    // Whoever sent a message has stopped writing it.
    const key = m.author ? String(m.author.id) : "";
    if (typers[key]) {
      clearTimeout(typers[key].timer);
      delete typers[key];
      showTyping();
    }
  });
  let lastTyping = 0;
  function typed() {
    const now = Date.now();
    if (socket.connected && now - lastTyping > 3000) {
      lastTyping = now;
      socket.emit("typing", { thread_id: threadId });
    }
  }

  // --- read markers --------------------------------------------------------------------
  let readTimer = null;
  function markRead() {
    if (document.visibilityState === "hidden") return;
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      if (socket.connected && lastSeq > 0) {
        socket.emit("read", { thread_id: threadId, seq: lastSeq });
      }
    }, 500);
  }
  document.addEventListener("visibilitychange", markRead);

  // --- side list: unread counts per thread and network --------------------------------
  const sidebar = document.getElementById("chat-sidebar");
  const unread = {}; // thread id -> count
  const threadNetwork = {}; // thread id -> network id
  const sidebarNetworks = sidebar
    ? Array.from(sidebar.querySelectorAll("li[data-network-id]")).map(function (li) {
        return Number(li.dataset.networkId);
      })
    : [];

  function setBadge(badge, count) {
    if (!badge) return;
    badge.dataset.unread = String(count);
    badge.hidden = !count;
    badge.textContent = String(count);
    badge.appendChild(el("span", { className: "visually-hidden" }, " " + T.unread));
  }

  function updateNetworkBadge(nid) {
    const li = sidebar && sidebar.querySelector('li[data-network-id="' + nid + '"]');
    if (!li) return;
    let total = 0;
    Object.keys(threadNetwork).forEach(function (tid) {
      if (threadNetwork[tid] === nid) total += unread[tid] || 0;
    });
    setBadge(li.querySelector(":scope > .unread-count"), total);
  }

  function setUnread(tid, count) {
    unread[tid] = Math.max(0, count);
    const item = sidebar && sidebar.querySelector('li[data-thread-id="' + tid + '"]');
    if (item) setBadge(item.querySelector(".unread-count"), unread[tid]);
    if (threadNetwork[tid]) updateNetworkBadge(threadNetwork[tid]);
  }

  function loadThreads(nid) {
    const li = sidebar.querySelector('li[data-network-id="' + nid + '"]');
    const link = li.querySelector("a");
    return fetch("/api/v1/networks/" + nid + "/threads", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) {
        return r.ok ? r.json() : [];
      })
      .then(function (threads) {
        if (!threads.length) return;
        const ul = el("ul", {
          className: "chat-threads",
          "aria-label": fmt(T.threadsOf, { name: link.textContent }),
        });
        threads.forEach(function (t) {
          threadNetwork[t.id] = nid;
          unread[t.id] = t.id === threadId ? 0 : t.unread || 0;
          const item = el("li", { "data-thread-id": t.id });
          const a = el("a", { href: "/threads/" + t.id }, t.title);
          if (t.id === threadId) a.setAttribute("aria-current", "page");
          item.appendChild(a);
          item.appendChild(document.createTextNode(" "));
          const badge = el("span", { className: "badge unread-count" });
          item.appendChild(badge);
          setBadge(badge, unread[t.id]);
          ul.appendChild(item);
        });
        const old = li.querySelector("ul.chat-threads");
        if (old) old.remove();
        li.appendChild(ul);
        updateNetworkBadge(nid);
      })
      .catch(function () {});
  }

  function joinNetworks() {
    sidebarNetworks.forEach(function (nid) {
      socket.emit("network:join", { network_id: nid });
    });
  }

  if (sidebar) {
    // The current network first, then the others (at most 20 thread lists).
    const order = [networkId].concat(
      sidebarNetworks.filter(function (n) {
        return n !== networkId;
      })
    );
    order.slice(0, 20).reduce(function (p, nid) {
      return sidebar.querySelector('li[data-network-id="' + nid + '"]')
        ? p.then(function () {
            return loadThreads(nid);
          })
        : p;
    }, Promise.resolve()).then(function () {
      sidebar.dataset.ready = "true";
    });

    // message:new reaches this socket for every thread of the networks it joined.
    socket.on("message:new", function (m) {
      const tid = Number(m.thread_id);
      if (m.author && m.author.id === me) return;
      if (tid === threadId && document.visibilityState !== "hidden") return;
      if (!threadNetwork[tid]) {
        // A thread the list does not show yet: reload that network's threads.
        if (sidebar.querySelector('li[data-network-id="' + Number(m.network_id) + '"]')) {
          loadThreads(Number(m.network_id));
        }
        return;
      }
      setUnread(tid, (unread[tid] || 0) + 1);
    });
    socket.on("read", function (d) {
      setUnread(Number(d.thread_id), Number(d.unread) || 0);
    });
  }

  // --- older messages --------------------------------------------------------------
  let older = document.getElementById("older");
  let loadingOlder = false;
  function loadOlder() {
    if (loadingOlder || !older) return;
    loadingOlder = true;
    const first = list.querySelector("li.message[data-seq]");
    const before = first ? Number(first.dataset.seq) : lastSeq + 1;
    const anchorTop = first ? first.getBoundingClientRect().top : 0;
    older.setAttribute("aria-busy", "true");
    fetch("/api/v1/threads/" + threadId + "/messages?before_seq=" + before, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        (data.messages || []).forEach(render);
        if (first) window.scrollBy(0, first.getBoundingClientRect().top - anchorTop);
        older.removeAttribute("aria-busy");
        if (!data.more) {
          const wrap = older.closest("p") || older;
          const hadFocus = document.activeElement === older;
          wrap.remove();
          older = null;
          if (hadFocus) {
            const top = list.querySelector("li.message");
            if (top) {
              top.setAttribute("tabindex", "-1");
              top.focus();
            }
          }
        }
      })
      .catch(function () {
        if (older) older.removeAttribute("aria-busy");
      })
      .then(function () {
        loadingOlder = false;
      });
  }
  if (older) {
    // A button is what it does now; the link stays the fallback without JavaScript.
    const button = el("button", { type: "button", id: "older", className: "link" }, T.loadOlder);
    older.replaceWith(button);
    older = button;
    older.addEventListener("click", loadOlder);
    if ("IntersectionObserver" in window) {
      // Only after the person scrolls themselves (not our scroll to the end on load).
      let userScrolled = false;
      const mark = function () {
        userScrolled = true;
      };
      window.addEventListener("wheel", mark, { passive: true });
      window.addEventListener("touchmove", mark, { passive: true });
      window.addEventListener("keydown", function (ev) {
        if (["PageUp", "ArrowUp", "Home"].indexOf(ev.key) >= 0) mark();
      });
      new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (e.isIntersecting && userScrolled) loadOlder();
        });
      }).observe(older);
    }
  }

  // --- scrolling -------------------------------------------------------------------------
  function nearEnd() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
  }
  function scrollToEnd() {
    const last = list.lastElementChild;
    if (last && !window.location.hash) last.scrollIntoView({ block: "end" });
  }
  function scrollToEndIfNear() {
    if (nearEnd()) scrollToEnd();
  }

  // --- composer ------------------------------------------------------------------------
  if (form && textarea) {
    const hint = el("p", { className: "hint", id: "composer-keys" }, T.composerHint);
    textarea.parentNode.insertBefore(hint, textarea.nextSibling);
    const described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", (described ? described + " " : "") + "composer-keys");

    textarea.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    textarea.addEventListener("input", typed);

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      const body = textarea.value.trim();
      if (!body) {
        textarea.focus();
        return;
      }
      const replyField = form.querySelector("input[name=reply_to]");
      const entry = {
        thread_id: threadId,
        client_id: newClientId(),
        body: body,
        reply_to: replyField && replyField.value ? Number(replyField.value) : null,
        created: Date.now(),
        state: "pending",
      };
      saveOutbox(entry);
      renderOutbox(entry);
      textarea.value = "";
      if (replyField) replyField.value = "";
      textarea.focus();
      scrollToEnd();
      send(entry);
    });
  }

  // Unacknowledged messages of an earlier visit are shown at once, sent on connect.
  outboxEntries().forEach(renderOutbox);

  // Retry what is still pending (no ack within the timeout, or sent while offline).
  setInterval(function () {
    if (!socket.connected) return;
    outboxEntries().forEach(function (entry) {
      if (entry.state !== "failed") send(entry);
    });
  }, RETRY_MS);

  window.addEventListener("load", function () {
    if (!window.location.hash) scrollToEnd();
  });
})();
