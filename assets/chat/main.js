// The chat client's entry (bundled by scripts/build_assets.mjs into static/vendor/chat.js).
// One `chat` object (chat.js) goes to each module's init(chat):
//   the shell's own:  list.js (placement by seq, join and replay, older pages, the
//                     reader's place), outbox.js (delivery), composer.js (keys, reply chip,
//                     hooks), sidebar.js (unread counts, collapsing, the phone drawer)
//   the features':    message.js (message markup), actions.js, mentions.js, attention.js,
//                     uploads.js
// No inline scripts: the CSP forbids them.
import { io } from "socket.io-client";
import { createChat } from "./chat.js";
import { el } from "./util.js";
import * as list from "./list.js";
import * as outbox from "./outbox.js";
import * as composer from "./composer.js";
import * as sidebar from "./sidebar.js";
import * as message from "./message.js";
import * as actions from "./actions.js";
import * as mentions from "./mentions.js";
import * as attention from "./attention.js";
import * as uploads from "./uploads.js";

function start() {
  const stringsEl = document.getElementById("chat-strings");
  if (!stringsEl) return;
  const T = stringsEl.dataset;
  const root = document.getElementById("thread");
  const page = root || document.getElementById("network");
  if (!page) return;
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 3000 });
  const form = root ? document.getElementById("composer") : null;
  const chat = createChat({
    socket,
    root: page,
    strings: T,
    threadId: root ? Number(root.dataset.threadId) : null,
    networkId: Number(page.dataset.networkId),
    me: Number(root ? root.dataset.me : page.dataset.me),
    list: root ? document.getElementById("messages") : null,
    form,
    textarea: form ? form.querySelector("textarea[name=body]") : null,
  });
  window.kollegaChat = chat;
  sidebar.init(chat);
  if (!root) return attention.init(chat); // the network page: the sidebar, who is online, the title

  connection(chat);
  const placed = list.init(chat);
  chat.catchUp = placed.scheduleCatchUp;
  outbox.init(chat);
  composer.init(chat);
  typing(chat);
  [message, actions, mentions, attention, uploads].forEach((m) => m.init(chat));
  // The server-rendered messages, once, now that every module has its hooks.
  chat.list.querySelectorAll(":scope > [data-seq]").forEach((node) => chat.run("rendered", node, null));
  socket.on("connect", () => placed.join());
}

// The connection's state: a status line, pending messages' wording.
function connection(chat) {
  const { root, socket, strings: T } = chat;
  const status = el("p", { id: "chat-status", className: "chat-status", role: "status" });
  const scroll = document.getElementById("chat-scroll");
  scroll.parentNode.insertBefore(status, scroll);
  let wasOffline = false;
  function setOnline(online) {
    root.dataset.connection = online ? "online" : "offline";
    if (online) status.textContent = wasOffline ? T.online : "";
    else {
      wasOffline = true;
      status.textContent = T.offline;
    }
    if (chat.outbox) chat.outbox.connection(online);
  }
  socket.on("connect", () => setOnline(true));
  socket.on("disconnect", () => {
    root.dataset.joined = "false";
    setOnline(false);
  });
  socket.on("connect_error", () => setOnline(false));
}

// Who is writing, above the composer.
function typing(chat) {
  const { form, socket, strings: T, threadId, me } = chat;
  const line = el("p", { id: "typing", className: "typing muted" });
  if (form) form.parentNode.insertBefore(line, form);
  else return;
  const typers = {};
  const show = () => {
    const names = Object.keys(typers).map((k) => typers[k].name);
    line.textContent = names.length ? T.typing.replace("{name}", names.join(", ")) : "";
  };
  socket.on("typing", (d) => {
    if (Number(d.thread_id) !== threadId || !d.person || d.person.id === me) return;
    const key = String(d.person.id);
    if (typers[key]) clearTimeout(typers[key].timer);
    typers[key] = {
      name: d.person.name,
      timer: setTimeout(() => {
        delete typers[key];
        show();
      }, 5000),
    };
    show();
  });
  socket.on("message:new", (m) => {
    // Whoever sent a message has stopped writing it.
    const key = m.author ? String(m.author.id) : "";
    if (typers[key]) {
      clearTimeout(typers[key].timer);
      delete typers[key];
      show();
    }
  });
}

start();
