// The message list (role="log"): where each message goes (by seq), the join and its
// replay, older pages as the reader scrolls up, and the reader's place: the list opens at
// the first unread message (the "New messages" divider) or at the end, scrolls along only
// when the reader is at the bottom, and otherwise offers "N new messages ↓".
// It never builds message markup itself: message.js renderMessage / updateMessage do
// (fallback.js until they exist).
import * as message from "./message.js";
import { legacyItem, legacyUpdate, updateReactions } from "./fallback.js";
import { el, fmt, plainText } from "./util.js";

const ACK_TIMEOUT_MS = 8000;
const NEAR_BOTTOM_PX = 48;

export function init(chat) {
  const { list, root, socket, strings: T, threadId, me } = chat;
  const scroller = document.getElementById("chat-scroll") || list.parentNode;
  const liveRegion = document.getElementById("live-region");
  const seen = new Set();
  let lastSeq = 0; // the page holds every message from its first one up to lastSeq

  // --- placing messages ---------------------------------------------------------------
  const items = () => list.querySelectorAll(":scope > [data-seq]");
  const bySeq = (seq) => list.querySelector(':scope > [data-seq="' + Number(seq) + '"]');
  const byId = (id) => list.querySelector(':scope > [data-id="' + Number(id) + '"]');

  function noteSeq(seq) {
    seen.add(seq);
    while (seen.has(lastSeq + 1)) lastSeq += 1;
  }
  items().forEach((node) => {
    const seq = Number(node.dataset.seq);
    seen.add(seq);
    if (seq > lastSeq) lastSeq = seq;
  });

  function build(m) {
    let node;
    if (typeof message.renderMessage === "function") node = message.renderMessage(m, chat);
    if (!node) node = legacyItem(m, chat);
    chat.run("rendered", node, m);
    return node;
  }

  function update(node, m) {
    if (typeof message.updateMessage === "function") message.updateMessage(node, m, chat);
    else legacyUpdate(node, m, chat);
    chat.run("rendered", node, m);
  }

  function insertBySeq(node, seq) {
    const all = items();
    for (let i = all.length - 1; i >= 0; i--) {
      if (Number(all[i].dataset.seq) < seq) {
        all[i].after(node);
        return;
      }
    }
    // Before every known message (or, in an empty list, before pending ones).
    list.insertBefore(node, all[0] || list.querySelector(":scope > .outbox"));
  }

  // Places a message from the server; true when it is new to this page.
  function place(m) {
    if (!m || (m.thread_id !== undefined && Number(m.thread_id) !== threadId)) return false;
    if (bySeq(m.seq)) return false;
    const empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    const node = build(m);
    if (m.author && m.author.id === me && m.client_id) chat.outbox.delivered(m, node);
    insertBySeq(node, m.seq);
    noteSeq(m.seq);
    return true;
  }

  // --- the reader's place ---------------------------------------------------------------
  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= NEAR_BOTTOM_PX;
  }
  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    hideNewBelow();
  }

  let unseenBelow = 0;
  const newBelow = el("button", { type: "button", id: "new-below", className: "new-below" });
  newBelow.hidden = true;
  scroller.parentNode.insertBefore(newBelow, scroller.nextSibling);
  newBelow.addEventListener("click", () => {
    scrollToBottom();
    const last = list.lastElementChild;
    if (last) {
      last.setAttribute("tabindex", "-1");
      last.focus({ preventScroll: true });
    }
  });
  function hideNewBelow() {
    unseenBelow = 0;
    newBelow.hidden = true;
  }
  // Far from the end (more than a screen) with nothing new: the same button says "latest".
  function offerLatest() {
    if (unseenBelow) return;
    const far = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight > scroller.clientHeight;
    if (far) newBelow.textContent = T.toLatest;
    newBelow.hidden = !far;
  }
  function showNewBelow(n) {
    unseenBelow += n;
    newBelow.textContent = unseenBelow === 1 ? T.newBelowOne : fmt(T.newBelow, { num: unseenBelow });
    newBelow.hidden = false;
  }

  // Messages added at the end: follow them only when the reader was at the bottom.
  function added(fresh, wasAtBottom, mine) {
    if (!fresh) return;
    if (wasAtBottom || mine) scrollToBottom();
    else showNewBelow(fresh);
    markRead();
  }

  let userMoved = false;
  function openingPlace() {
    if (userMoved) return;
    const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    const divider = document.getElementById("unread-divider");
    if (target && list.contains(target)) target.scrollIntoView({ block: "center" });
    else if (divider) scroller.scrollTop = Math.max(0, divider.offsetTop - 40); // a little context above
    else scroller.scrollTop = scroller.scrollHeight;
  }
  openingPlace();
  window.addEventListener("load", openingPlace);
  const moved = () => (userMoved = true);
  scroller.addEventListener("wheel", moved, { passive: true });
  scroller.addEventListener("touchmove", moved, { passive: true });
  scroller.addEventListener("keydown", (ev) => {
    if (["PageUp", "ArrowUp", "Home", "PageDown", "ArrowDown", "End", " "].includes(ev.key)) moved();
  });
  scroller.addEventListener(
    "scroll",
    () => {
      if (atBottom()) {
        hideNewBelow();
        markRead();
      } else offerLatest();
    },
    { passive: true },
  );

  // --- announcements (one polite line; the log itself is aria-live="off", so older pages
  // and our own messages are not read out) -----------------------------------------------
  let announceTimer = null;
  let announceQueue = [];
  function announce(m) {
    if (!liveRegion || !m.author || m.author.id === me) return;
    announceQueue.push(m);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      const text =
        announceQueue.length === 1
          ? fmt(T.newMessage, { name: announceQueue[0].author.name }) +
            ": " +
            (announceQueue[0].deleted ? T.deleted : plainText(announceQueue[0].body_html))
          : fmt(T.newMessages, { num: announceQueue.length });
      announceQueue = [];
      // Emptied first, so that the same words twice are still announced twice.
      liveRegion.textContent = "";
      setTimeout(() => (liveRegion.textContent = text), 50);
    }, 300);
  }

  // --- read markers: only what the reader has had in view ---------------------------------
  let readTimer = null;
  function markRead() {
    if (document.visibilityState === "hidden" || !atBottom()) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      if (socket.connected && lastSeq > 0) socket.emit("read", { thread_id: threadId, seq: lastSeq });
    }, 500);
  }
  document.addEventListener("visibilitychange", markRead);

  // --- joining: the latest messages after the last seq this page has --------------------
  let joining = false;
  let retries = 0;
  function join() {
    if (joining) return;
    joining = true;
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit("thread:join", { thread_id: threadId, after_seq: lastSeq }, (err, ack) => {
        joining = false;
        // No answer, or refused for going too fast (a person moving quickly between pages
        // spends the per-person event budget on the sidebar's network joins): try again,
        // a little later each time, or the page would never receive its thread.
        const limited = ack && ack.error && ack.error.code === "rate_limited";
        if ((err || limited) && retries < 8) {
          retries += 1;
          setTimeout(() => socket.connected && join(), Math.min(500 * 2 ** retries, 15000));
          return;
        }
        if (err || !ack || !ack.ok) return;
        retries = 0;
        const bottom = atBottom();
        let fresh = 0;
        (ack.messages || []).forEach((m) => {
          if (place(m)) {
            fresh += 1;
            announce(m);
          }
        });
        if (ack.more) join();
        else {
          root.dataset.joined = "true";
          chat.outbox.flush();
        }
        added(fresh, bottom, false);
        if (!ack.more) markRead();
      });
  }
  let catchUpTimer = null;
  function scheduleCatchUp() {
    clearTimeout(catchUpTimer);
    catchUpTimer = setTimeout(() => socket.connected && join(), 250);
  }

  socket.on("message:new", (m) => {
    if (Number(m.thread_id) !== threadId) return;
    const bottom = atBottom();
    if (place(m)) {
      announce(m);
      if (m.seq > lastSeq) scheduleCatchUp(); // a gap: ask for what is missing
      added(1, bottom, m.author && m.author.id === me);
    }
  });
  socket.on("message:edited", (m) => {
    const node = Number(m.thread_id) === threadId && (bySeq(m.seq) || byId(m.id));
    if (node) update(node, m);
  });
  socket.on("message:deleted", (m) => {
    const node = Number(m.thread_id) === threadId && (bySeq(m.seq) || byId(m.id));
    if (node) update(node, Object.assign({}, m, { deleted: true }));
  });
  socket.on("reaction:changed", (d) => {
    if (Number(d.thread_id) !== threadId || typeof message.updateMessage === "function") return;
    const node = byId(d.message_id);
    if (node) updateReactions(node, d.reactions || []);
  });

  // --- older messages as the reader scrolls up -------------------------------------------
  let older = document.getElementById("older");
  let loadingOlder = false;
  function loadOlder() {
    if (loadingOlder || !older) return;
    loadingOlder = true;
    const first = items()[0];
    const before = first ? Number(first.dataset.seq) : lastSeq + 1;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    older.setAttribute("aria-busy", "true");
    fetch("/api/v1/threads/" + threadId + "/messages?before_seq=" + before + "&limit=50", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((r) => {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then((data) => {
        const frag = document.createDocumentFragment();
        (data.messages || []).forEach((m) => {
          if (bySeq(m.seq)) return;
          frag.appendChild(build(m));
          seen.add(m.seq);
        });
        list.insertBefore(frag, list.firstChild);
        // The reader stays where they were: what was on screen stays on screen.
        scroller.scrollTop = scroller.scrollHeight - fromBottom;
        older.removeAttribute("aria-busy");
        if (!data.more) {
          const wrap = older.closest("p") || older;
          const hadFocus = document.activeElement === older;
          wrap.remove();
          older = null;
          if (hadFocus) {
            const top = items()[0];
            if (top) {
              top.setAttribute("tabindex", "-1");
              top.focus({ preventScroll: true });
            }
          }
        }
      })
      .catch(() => older && older.removeAttribute("aria-busy"))
      .then(() => (loadingOlder = false));
  }
  if (older) {
    // A button is what it does now; the link stays the fallback without JavaScript.
    const button = el("button", { type: "button", id: "older", className: "link" }, T.loadOlder);
    older.replaceWith(button);
    older = button;
    older.addEventListener("click", loadOlder);
    if ("IntersectionObserver" in window) {
      // The button is the sentinel; only once the reader moves (not our opening scroll).
      new IntersectionObserver(
        (entries) => entries.forEach((e) => e.isIntersecting && userMoved && loadOlder()),
        { root: scroller, rootMargin: "300px 0px 0px 0px" },
      ).observe(older);
      // A wheel or swipe at the very top does not change the intersection: ask again.
      scroller.addEventListener(
        "scroll",
        () => older && userMoved && scroller.scrollTop < 300 && loadOlder(),
        { passive: true },
      );
    }
  }

  chat.lastSeq = () => lastSeq;
  chat.atBottom = atBottom;
  chat.scrollToBottom = scrollToBottom;
  chat.messageBySeq = bySeq;
  return { join, scheduleCatchUp, atBottom, scrollToBottom };
}
