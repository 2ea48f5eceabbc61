// The chat sidebar (networks/_chat_sidebar.html): unread counts kept up to date live,
// each network's thread list collapsible (remembered in localStorage), and on phones a
// drawer opened from the header's button (focus moves in, Esc closes, focus returns).
import { el, fmt, storage } from "./util.js";

const PHONE = "(max-width: 47.99rem)";
const SHOW_UNREAD = 10;
const SHOW_RECENT = 5;

export function init(chat) {
  const sidebar = document.getElementById("chat-sidebar");
  if (!sidebar) return;
  const { socket, strings: T, me } = chat;
  const threadId = chat.threadId || 0;
  const unread = {}; // thread id -> count, for the threads the list shows

  sidebar.querySelectorAll("li[data-thread-id]").forEach((li) => {
    unread[li.dataset.threadId] = Number(li.querySelector(".unread-count").dataset.unread) || 0;
  });

  function setBadge(badge, count) {
    if (!badge) return;
    badge.dataset.unread = String(count);
    badge.hidden = !count;
    badge.textContent = String(count);
    badge.appendChild(el("span", { className: "visually-hidden" }, " " + T.unread));
  }
  const networkItem = (nid) => sidebar.querySelector('li[data-network-id="' + Number(nid) + '"]');
  const networkBadge = (nid) => {
    const li = networkItem(nid);
    return li && li.querySelector(".chat-net-head .unread-count");
  };
  function addToNetwork(nid, delta) {
    const badge = networkBadge(nid);
    if (badge) setBadge(badge, Math.max(0, (Number(badge.dataset.unread) || 0) + delta));
  }
  function setUnread(tid, count, nid) {
    const item = sidebar.querySelector('li[data-thread-id="' + Number(tid) + '"]');
    if (!item) return false;
    const old = unread[tid] || 0;
    unread[tid] = Math.max(0, count);
    setBadge(item.querySelector(".unread-count"), unread[tid]);
    const net = nid || item.closest("li[data-network-id]").dataset.networkId;
    addToNetwork(net, unread[tid] - old);
    return true;
  }

  // A thread the list does not show yet: that network's list again, by the same rules.
  function reloadNetwork(nid) {
    const li = networkItem(nid);
    if (!li) return;
    fetch("/api/v1/networks/" + nid + "/threads", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((r) => (r.ok ? r.json() : []))
      .then((threads) => {
        const withUnread = threads.filter((t) => t.unread && t.id !== threadId).slice(0, SHOW_UNREAD);
        const others = threads.filter((t) => !withUnread.includes(t)).slice(0, SHOW_RECENT);
        const shown = withUnread.concat(others);
        const name = li.querySelector(".chat-net-head a").textContent;
        let ul = li.querySelector("ul.chat-threads");
        if (!ul) {
          ul = el("ul", { id: "net-threads-" + nid, className: "chat-threads" });
          li.appendChild(ul);
        }
        ul.setAttribute("aria-label", fmt(T.threadsOf, { name }));
        ul.textContent = "";
        let total = 0;
        shown.forEach((t) => {
          const count = t.id === threadId ? 0 : t.unread || 0;
          unread[t.id] = count;
          const item = el("li", { "data-thread-id": t.id });
          const a = el("a", { href: "/threads/" + t.id, title: t.title }, t.title);
          if (t.id === threadId) a.setAttribute("aria-current", "page");
          item.appendChild(a);
          item.appendChild(document.createTextNode(" "));
          const badge = el("span", { className: "badge unread-count" });
          item.appendChild(badge);
          setBadge(badge, count);
          ul.appendChild(item);
        });
        threads.forEach((t) => (total += t.id === threadId ? 0 : t.unread || 0));
        if (threads.length > shown.length) {
          const all = el("li", { className: "show-all" });
          all.appendChild(
            el("a", { href: "/networks/" + nid + "#threads-heading" }, fmt(T.showAll, { num: threads.length - shown.length })),
          );
          ul.appendChild(all);
        }
        setBadge(networkBadge(nid), total);
      })
      .catch(() => {});
  }

  socket.on("connect", () => {
    sidebar.querySelectorAll("li[data-network-id]").forEach((li) => {
      socket.emit("network:join", { network_id: Number(li.dataset.networkId) });
    });
  });
  // message:new reaches this socket for every thread of the networks it joined.
  socket.on("message:new", (m) => {
    const tid = Number(m.thread_id);
    if (m.author && m.author.id === me) return;
    if (tid === threadId && document.visibilityState !== "hidden") return;
    if (!setUnread(tid, (unread[tid] || 0) + 1)) {
      addToNetwork(m.network_id, 1);
      reloadNetwork(Number(m.network_id));
    }
  });
  socket.on("read", (d) => setUnread(Number(d.thread_id), Number(d.unread) || 0));
  // A network renamed, archived or brought back (network:updated {network_id, name,
  // status}, to the network's room once committed): its name in this list and, on its own
  // pages, in the header and the tab's title; the thread page's composer gives way to the
  // read-only note while it is archived.
  socket.on("network:updated", (d) => {
    const nid = Number(d && d.network_id);
    if (!nid || typeof d.name !== "string" || !d.name) return;
    const li = networkItem(nid);
    if (li) {
      li.querySelector(".chat-net-head a").textContent = d.name;
      const label = fmt(T.threadsOf, { name: d.name });
      const hiddenLabel = li.querySelector(".net-toggle .visually-hidden");
      if (hiddenLabel) hiddenLabel.textContent = label;
      const ul = li.querySelector("ul.chat-threads");
      if (ul) ul.setAttribute("aria-label", label);
      li.dataset.status = String(d.status || "");
    }
    if (nid === chat.networkId) networkHeader(chat, d);
  });

  collapsible(sidebar, me);
  drawer(sidebar);
  sidebar.dataset.ready = "true";
}

// The network's own page or one of its threads: the name in the header (the thread page's
// breadcrumb, the network page's heading) and in the tab's title ("thread · network ·
// kollega" or "network · kollega", perhaps after attention.js's "(N) "); the archived badge
// and the composer follow the status.
function networkHeader(chat, d) {
  const { root, strings: T, threadId } = chat;
  const head = root.querySelector(".chat-head");
  if (!head) return;
  const nameEl = threadId
    ? head.querySelector('.crumbs a[href$="/networks/' + Number(d.network_id) + '"]')
    : head.querySelector(".chat-title h1");
  if (nameEl && nameEl.textContent !== d.name) {
    const old = nameEl.textContent;
    nameEl.textContent = d.name;
    const prefix = (document.title.match(/^\(\d+\) /) || [""])[0];
    const parts = document.title.slice(prefix.length).split(" · ");
    const at = threadId ? parts.length - 2 : 0;
    if (at >= 0 && parts[at] === old) {
      parts[at] = d.name;
      document.title = prefix + parts.join(" · ");
    }
  }
  if (!threadId) return;
  const archived = d.status === "archived";
  // chat_messages.css hides the actions that write (react, reply, edit, delete, accept).
  root.toggleAttribute("data-archived", archived);
  const meta = head.querySelector(".chat-meta");
  let badge = meta && meta.querySelector("[data-archived-badge]");
  if (meta && archived && !badge && T.archivedBadge) {
    badge = el("span", { className: "badge", "data-archived-badge": "" }, T.archivedBadge);
    meta.append(document.createTextNode(" · "), badge);
  } else if (badge && !archived) {
    if (badge.previousSibling && badge.previousSibling.nodeType === 3) badge.previousSibling.remove();
    badge.remove();
  }
  const composer = root.querySelector("section.chat-composer");
  let note = root.querySelector("p[data-archived-note]");
  if (composer) composer.hidden = archived;
  if (composer && archived && !note && T.archivedNote) {
    note = el("p", { className: "chat-composer", "data-archived-note": "" }, T.archivedNote);
    composer.after(note);
  } else if (note && !archived) note.remove();
}

// Each network's threads open and close with its button (aria-expanded).
function collapsible(sidebar, me) {
  const KEY = "kollega:sidebar:" + me;
  let saved = {};
  try {
    saved = JSON.parse((storage() && storage().getItem(KEY)) || "{}") || {};
  } catch (e) {
    saved = {};
  }
  sidebar.querySelectorAll("button.net-toggle").forEach((button) => {
    const ul = document.getElementById(button.getAttribute("aria-controls"));
    const nid = button.closest("li[data-network-id]").dataset.networkId;
    const set = (open) => {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (ul) ul.hidden = !open;
    };
    // The current network always starts open; the others as the person left them.
    const current = button.parentNode.querySelector("a[aria-current]");
    set(current || saved[nid] === undefined ? button.getAttribute("aria-expanded") === "true" : saved[nid]);
    if (ul) ul.removeAttribute("data-closed");
    button.hidden = false;
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      set(open);
      saved[nid] = open;
      const s = storage();
      if (s) s.setItem(KEY, JSON.stringify(saved));
    });
  });
}

// On phones the sidebar is a drawer over the page.
function drawer(sidebar) {
  const toggle = document.getElementById("drawer-toggle");
  const close = document.getElementById("drawer-close");
  const layout = document.getElementById("chat-layout");
  if (!toggle || !layout) return;
  const phone = window.matchMedia(PHONE);
  const backdrop = el("div", { className: "drawer-backdrop" });
  backdrop.hidden = true;
  layout.appendChild(backdrop);
  const outside = () =>
    [document.querySelector(".site-header"), document.querySelector(".skip-link")]
      .concat(Array.from(layout.children).filter((n) => n !== sidebar && n !== backdrop))
      .filter(Boolean);

  function setOpen(open, returnFocus) {
    layout.dataset.drawer = open ? "open" : "closed";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    backdrop.hidden = !open;
    outside().forEach((n) => (n.inert = open));
    if (open) {
      const target = sidebar.querySelector("a[aria-current=page]") || close;
      target.focus();
    } else if (returnFocus) toggle.focus();
  }
  layout.dataset.drawer = "closed";
  toggle.hidden = false;
  if (close) close.hidden = false;
  toggle.addEventListener("click", () => setOpen(layout.dataset.drawer !== "open", true));
  if (close) close.addEventListener("click", () => setOpen(false, true));
  backdrop.addEventListener("click", () => setOpen(false, true));
  sidebar.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && layout.dataset.drawer === "open") {
      ev.preventDefault();
      setOpen(false, true);
    }
  });
  phone.addEventListener("change", () => layout.dataset.drawer === "open" && setOpen(false, false));
}
