// Delivery, as DESIGN.md says: every message the person writes goes first into an outbox
// in localStorage (key kollega:outbox:<person>:<thread>:<client_id>) with the whole
// message:send payload (body, and whatever the beforeSend hooks added: reply_to,
// attachments), is shown as pending and is sent until the server acknowledges it with
// {id, seq}; a retry carries the same payload and client_id, so the server stores it once.
// Messages are keyed by seq, so nothing is shown twice.
import { el, storage } from "./util.js";

const RETRY_MS = 4000;
const ACK_TIMEOUT_MS = 8000;
const LOCAL = ["created", "state", "error"]; // kept in the outbox, never sent

export function init(chat) {
  const { list, socket, strings: T, threadId, me } = chat;
  const PREFIX = "kollega:outbox:" + me + ":" + threadId + ":";
  const inflight = {};

  function save(entry) {
    const s = storage();
    if (s) s.setItem(PREFIX + entry.client_id, JSON.stringify(entry));
  }
  function drop(clientId) {
    const s = storage();
    if (s) s.removeItem(PREFIX + clientId);
    delete inflight[clientId];
  }
  function entries() {
    const s = storage();
    const out = [];
    if (!s) return out;
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        try {
          out.push(JSON.parse(s.getItem(key)));
        } catch (e) {
          s.removeItem(key);
        }
      }
    }
    return out.sort((a, b) => a.created - b.created);
  }
  const pendingItem = (clientId) =>
    list.querySelector(':scope > .outbox[data-client-id="' + CSS.escape(clientId) + '"]');

  function show(entry) {
    // Stored already (the ack was lost, the page came from the server): done.
    const stored = list.querySelector(
      ':scope > [data-seq][data-client-id="' + CSS.escape(entry.client_id) + '"]',
    );
    if (stored) {
      drop(entry.client_id);
      return stored;
    }
    let node = pendingItem(entry.client_id);
    if (!node) {
      node = el("article", { className: "message mine outbox", "data-client-id": entry.client_id });
      const meta = el("p", { className: "meta" });
      meta.appendChild(el("strong", {}, T.me || ""));
      meta.appendChild(el("span", { className: "state" }));
      node.appendChild(meta);
      node.appendChild(el("div", { className: "body plain" }, entry.body));
      list.appendChild(node);
      const empty = document.getElementById("no-messages");
      if (empty) empty.remove();
    }
    setState(node, entry);
    return node;
  }

  function setState(node, entry) {
    node.dataset.state = entry.state;
    const state = node.querySelector(".state");
    state.textContent = "";
    node.querySelectorAll(".outbox-actions").forEach((n) => n.remove());
    if (entry.state !== "failed") {
      state.textContent = socket.connected ? T.pending : T.waiting;
      return;
    }
    state.textContent = T.failed + (entry.error ? ": " + entry.error : "");
    const actions = el("p", { className: "outbox-actions" });
    const retry = el("button", { type: "button" }, T.retry);
    retry.addEventListener("click", () => {
      entry.state = "pending";
      entry.error = "";
      save(entry);
      setState(node, entry);
      send(entry);
    });
    const discard = el("button", { type: "button", className: "link" }, T.discard);
    discard.addEventListener("click", () => {
      drop(entry.client_id);
      node.remove();
      chat.focusComposer();
    });
    actions.appendChild(retry);
    actions.appendChild(discard);
    node.appendChild(actions);
  }

  function payloadOf(entry) {
    const payload = {};
    Object.keys(entry).forEach((k) => {
      if (!LOCAL.includes(k) && entry[k] !== null && entry[k] !== undefined) payload[k] = entry[k];
    });
    return payload;
  }

  function send(entry) {
    if (!socket.connected || inflight[entry.client_id] || entry.state === "failed") return;
    inflight[entry.client_id] = true;
    socket.timeout(ACK_TIMEOUT_MS).emit("message:send", payloadOf(entry), (err, ack) => {
      delete inflight[entry.client_id];
      if (err || !ack) return; // no answer: kept, sent again on the next round
      if (ack.ok) {
        acked(entry, ack);
        return;
      }
      if (ack.error && ack.error.code === "server_error") return; // try again later
      entry.state = "failed";
      entry.error = ack.error ? ack.error.message : "";
      save(entry);
      const node = pendingItem(entry.client_id);
      if (node) setState(node, entry);
    });
  }

  function acked(entry, ack) {
    drop(entry.client_id);
    const node = pendingItem(entry.client_id);
    if (chat.messageBySeq(ack.seq)) {
      if (node) node.remove(); // message:new was here first
      return;
    }
    if (node) {
      // Shown as sent until message:new (or the replay) brings the rendered message.
      node.dataset.state = "sent";
      node.querySelector(".state").textContent = T.sent;
      chat.catchUp();
    }
  }

  // The server's copy of one of our messages arrived: it takes the pending one's place.
  function delivered(m, node) {
    const pending = pendingItem(m.client_id);
    if (pending) {
      pending.remove();
      node.dataset.state = "sent";
      const where = node.querySelector(".meta, header") || node;
      where.appendChild(el("span", { className: "state" }, T.sent));
    }
    drop(m.client_id);
  }

  function flush() {
    entries().forEach((entry) => {
      const node = show(entry);
      if (node.classList.contains("outbox") && entry.state !== "failed") send(entry);
    });
  }

  // A new message from the composer: the payload as the hooks left it, kept until acked.
  function submit(payload) {
    const entry = Object.assign({}, payload, { created: Date.now(), state: "pending" });
    save(entry);
    show(entry);
    send(entry);
  }

  function connection(online) {
    list.querySelectorAll(":scope > .outbox[data-state=pending] .state").forEach((s) => {
      s.textContent = online ? T.pending : T.waiting;
    });
  }

  // Unacknowledged messages of an earlier visit are shown at once, sent on connect.
  entries().forEach(show);
  // Retry what is still pending (no ack within the timeout, or sent while offline).
  setInterval(() => {
    if (!socket.connected) return;
    entries().forEach((entry) => entry.state !== "failed" && send(entry));
  }, RETRY_MS);

  chat.outbox = { submit, flush, delivered, connection };
  return chat.outbox;
}

export function newClientId() {
  if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
  return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
}
