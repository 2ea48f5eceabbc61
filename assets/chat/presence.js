// Who is online in the thread's network: "Online now (N)" with their names, under the
// thread's heading. The server keeps presence per network (kollega.networks.presence):
// `network:join` answers with who is there and the network's room hears `presence`
// {network_id, online: [{id, name}]} whenever that changes. The list is a plain list
// under a heading, updated in place and never announced (a screen reader hears it when
// it goes there, not each time someone comes or goes).
import { html, render } from "lit-html";

const SHOWN = 12; // names shown before "show all"

function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) =>
    values[k] === undefined ? "" : String(values[k]),
  );
}

export function init(chat) {
  const { socket, root, strings: T, networkId, me } = chat;
  if (!root || !socket || !networkId) return;

  const box = document.createElement("section");
  box.id = "presence";
  box.className = "presence";
  box.setAttribute("aria-labelledby", "presence-heading");
  box.hidden = true;
  const heading = root.querySelector("h1");
  if (heading && heading.parentNode) heading.after(box);
  else root.prepend(box);

  let online = [];
  let all = false;

  function draw() {
    // Me first ("you"), then the others by name as the server sorted them.
    const people = online
      .filter((p) => p.id === me)
      .concat(online.filter((p) => p.id !== me));
    const shown = all ? people : people.slice(0, SHOWN);
    box.hidden = people.length === 0;
    box.dataset.count = String(people.length);
    // On a phone only the dot and the number show (the names are still read out).
    const names = people.map((p) => p.name).join(", ");
    render(
      html`<h2 id="presence-heading" class="presence-heading" title=${names}>
          <span class="presence-dot" aria-hidden="true"></span><span class="presence-label"
            >${fmt(T.onlineNow, { num: people.length })}</span
          ><span class="presence-count" aria-hidden="true">${people.length}</span>
        </h2>
        <ul class="presence-list">
          ${shown.map(
            (p) =>
              html`<li data-person-id=${p.id}>
                <span class="presence-dot" aria-hidden="true"></span>${p.name}${p.id === me
                  ? html` <span class="muted">${T.onlineYou}</span>`
                  : ""}
              </li>`,
          )}
          ${people.length > SHOWN
            ? html`<li>
                <button
                  type="button"
                  class="link"
                  aria-expanded=${all ? "true" : "false"}
                  @click=${() => {
                    all = !all;
                    draw();
                  }}
                >
                  ${all ? T.onlineFewer : fmt(T.onlineAll, { num: people.length })}
                </button>
              </li>`
            : ""}
        </ul>`,
      box,
    );
  }

  // The side list joins each of the person's networks on connect (sidebar.js), and the
  // network's room then hears `presence` with this socket in it. Only when no word has
  // come shortly after connecting (no side list, or its join refused) does this module
  // join itself: every socket event counts against the person's rate limit
  // (SOCKET_EVENT_RATE_LIMIT), so it asks once, and again after a while when refused.
  let heard = false;
  let timer = null;
  function join(attempt) {
    socket.timeout(8000).emit("network:join", { network_id: networkId }, (err, ack) => {
      if (heard) return;
      if (!err && ack && ack.ok) {
        online = ack.online || [];
        draw();
      } else if (attempt < 5 && socket.connected && (err || (ack && ack.error && ack.error.code === "rate_limited"))) {
        timer = setTimeout(() => join(attempt + 1), 2000 * (attempt + 1));
      }
    });
  }

  socket.on("presence", (d) => {
    if (!d || Number(d.network_id) !== networkId) return;
    heard = true;
    online = d.online || [];
    draw();
  });
  function connected() {
    heard = false;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!heard && socket.connected) join(0);
    }, 2500);
  }
  socket.on("connect", connected);
  socket.on("disconnect", () => clearTimeout(timer));
  if (socket.connected) connected();
}
