// The one object the chat modules share. main.js makes it; each module's init(chat) reads
// what it needs and registers its hooks. Hooks, in the order they were added:
//   beforeSend(payload)  -> may add fields (reply_to, attachments) to a message:send payload
//   afterSend(payload)   -> the composer was sent: clear per-message state (reply, uploads)
//   rendered(li, m)      -> a message element was made or updated from payload m
export function createChat(parts) {
  const hooks = { beforeSend: [], afterSend: [], rendered: [] };
  return Object.assign(
    {
      hooks,
      on(name, fn) {
        hooks[name].push(fn);
      },
      run(name, ...args) {
        hooks[name].forEach((fn) => fn(...args));
      },
    },
    parts,
  );
}
