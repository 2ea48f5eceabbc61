// Attention that respects people (issue #20, point 4):
//  - the tab title shows "(N) <title>" for messages from others that arrived in this
//    thread or the person's other threads while the tab was hidden or the reader was not
//    at the end of the list; cleared when the reader is back at the end of a visible tab,
//    and lowered when another tab or device reads a thread (`read` from the server);
//  - desktop notifications (the Notification API) for mentions and replies to the
//    person, only when they turned them on in the notification settings (where the
//    browser's permission is asked for, on their click), only while this tab is hidden,
//    outside their quiet hours (Europe/Oslo), never for their own messages; clicking
//    one brings the thread to the front;
//  - who is online in the network (presence.js).
import * as presence from "./presence.js";

function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) =>
    values[k] === undefined ? "" : String(values[k]),
  );
}

function hidden() {
  return document.visibilityState === "hidden";
}

function getJSON(url) {
  return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
    (r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))),
  );
}

// --- "(N) title" -----------------------------------------------------------------------

function scroller(list) {
  for (let n = list; n && n !== document.body; n = n.parentElement) {
    const overflow = getComputedStyle(n).overflowY;
    if ((overflow === "auto" || overflow === "scroll") && n.scrollHeight > n.clientHeight + 1) {
      return n;
    }
  }
  return null;
}

function atEnd(list) {
  if (!list) return true;
  const box = scroller(list);
  if (box) return box.scrollTop + box.clientHeight >= box.scrollHeight - 48;
  const doc = document.scrollingElement || document.documentElement;
  return window.innerHeight + window.scrollY >= doc.scrollHeight - 48;
}

function titleCounter(chat) {
  const { socket, list, me, threadId } = chat;
  const counts = new Map(); // thread id -> messages not seen yet
  const counted = new Set(); // message ids already counted
  let base = document.title;
  let lastSet = document.title;

  function total() {
    let n = 0;
    counts.forEach((v) => (n += v));
    return n;
  }

  function show() {
    // Someone else changed the title meanwhile: that is the new base.
    if (document.title !== lastSet) base = document.title.replace(/^\(\d+\) /, "");
    const n = total();
    lastSet = n ? `(${n}) ${base}` : base;
    document.title = lastSet;
    document.documentElement.dataset.unreadTitle = String(n);
  }

  // Whether the reader was at the end of the list before a new message came: kept from
  // the last scroll, since the list may have placed the new message already when this
  // module hears of it (and then the reader is a message short of the end).
  let wasAtEnd = atEnd(list);
  function looking() {
    return !hidden() && atEnd(list);
  }

  function clearIfLooking() {
    wasAtEnd = atEnd(list);
    if (counts.size && looking()) {
      counts.clear();
      show();
    }
  }

  socket.on("message:new", (m) => {
    if (!m || !m.author || m.author.id === me || counted.has(m.id)) return;
    const seen = !hidden() && (wasAtEnd || atEnd(list));
    // After the list has placed (and perhaps scrolled to) it: where is the reader now?
    setTimeout(() => {
      wasAtEnd = atEnd(list);
    }, 0);
    if (seen) return;
    counted.add(m.id);
    const tid = Number(m.thread_id);
    counts.set(tid, (counts.get(tid) || 0) + 1);
    show();
  });
  // Read in another tab or on another device: at most what is still unread there.
  socket.on("read", (d) => {
    const tid = Number(d && d.thread_id);
    if (!counts.has(tid)) return;
    const left = Math.min(counts.get(tid), Number(d.unread) || 0);
    if (left) counts.set(tid, left);
    else counts.delete(tid);
    show();
  });
  document.addEventListener("visibilitychange", clearIfLooking);
  window.addEventListener("focus", clearIfLooking);
  window.addEventListener("resize", clearIfLooking);
  // Scrolling the list (or the page) to its end is reading.
  let frame = 0;
  document.addEventListener(
    "scroll",
    () => {
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          clearIfLooking();
        });
      }
    },
    { capture: true, passive: true },
  );
  return { threadId, counts };
}

// --- desktop notifications ---------------------------------------------------------

const osloClock = (() => {
  try {
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/Oslo",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  } catch (e) {
    return null;
  }
})();

export function inQuietHours(settings, now) {
  const from = settings && settings.quiet_from;
  const to = settings && settings.quiet_to;
  if (!from || !to || !osloClock) return false;
  const t = osloClock.format(now || new Date()); // "HH:MM", Norwegian wall clock
  return from < to ? t >= from && t < to : t >= from || t < to;
}

function plainExcerpt(bodyHtml) {
  // body_html comes sanitised from the server; parsed inert, only its text is used.
  const doc = new DOMParser().parseFromString(bodyHtml || "", "text/html");
  const words = (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  return words.length > 140 ? words.slice(0, 139) + "…" : words;
}

function desktopNotifications(chat) {
  const { socket, strings: T, me, threadId } = chat;
  if (!("Notification" in window)) return;
  let settings = null;
  let loadedAt = 0;
  const shown = new Set();

  function load() {
    loadedAt = Date.now();
    return getJSON("/api/v1/me/notification-settings")
      .then((s) => {
        settings = s;
      })
      .catch(() => {});
  }
  load();
  // Changed in another tab meanwhile? Read again when the tab is left (at most each minute).
  document.addEventListener("visibilitychange", () => {
    if (hidden() && Date.now() - loadedAt > 60000) load();
  });

  function wanted() {
    return (
      settings &&
      settings.desktop_notifications &&
      window.Notification.permission === "granted" &&
      hidden() &&
      !inQuietHours(settings)
    );
  }

  function present(n, m) {
    const author = n.actor ? n.actor.name : "";
    const thread = n.thread ? n.thread.title : "";
    const title = fmt(n.kind === "mention" ? T.notifyMention : T.notifyReply, {
      name: author,
      thread: thread,
    });
    const note = new window.Notification(title, {
      body: plainExcerpt(m.body_html),
      tag: "kollega-message-" + m.id, // one per message, however many tabs are open
      lang: document.documentElement.lang || undefined,
    });
    note.onclick = () => {
      window.focus();
      note.close();
      if (Number(m.thread_id) === threadId) {
        const el = document.getElementById("m" + m.seq);
        if (el) el.scrollIntoView({ block: "center" });
      } else {
        window.location.href = n.link || "/threads/" + m.thread_id;
      }
    };
  }

  // The person's room hears `notification:new` {thread_id, message_id, seq} for each
  // mention, reply or followed thread's message, and {kind: "mention", ...} when an edit
  // mentions the person in a message they were told of before (as a follower): one
  // desktop notification per message and kind. Which one it is, who wrote it and in
  // which thread come from the notification and the message themselves.
  socket.on("notification:new", (d) => {
    const key = d && d.message_id + ":" + (d.kind || "");
    if (!d || !d.message_id || shown.has(key) || !wanted()) return;
    shown.add(key);
    Promise.all([
      getJSON("/api/v1/notifications?unread=true"),
      getJSON(`/api/v1/threads/${Number(d.thread_id)}/messages?after_seq=${Number(d.seq) - 1}&limit=1`),
    ])
      .then(([notes, page]) => {
        const n = (notes || []).find(
          (x) => x.message_id === d.message_id && (!d.kind || x.kind === d.kind),
        );
        const m = ((page && page.messages) || []).find((x) => x.id === d.message_id);
        if (!n || !m || !m.author || m.author.id === me) return;
        const toMe = n.kind === "mention" || (m.reply_to && m.reply_to.author && m.reply_to.author.id === me);
        if (!toMe || !wanted()) return; // a followed thread's message is not a reply to me
        present(n, m);
      })
      .catch(() => {});
  });
}

export function init(chat) {
  if (!chat || !chat.socket) return chat;
  presence.init(chat);
  chat.attention = titleCounter(chat);
  desktopNotifications(chat);
  return chat;
}
