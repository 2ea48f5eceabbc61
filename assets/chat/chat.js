// The one object the chat modules share. main.js makes it; each module's init(chat) reads
// what it needs and registers its hooks. Hooks, in the order they were added:
//   beforeSend(payload)  -> may add fields (reply_to, attachments) to a message:send payload
//                           (the outbox keeps the payload as the hooks left it, so a retry
//                           carries the same fields)
//   afterSend(payload)   -> the composer was sent: clear per-message state (reply, uploads)
//   rendered(el, m)      -> a message element was made or updated from payload m (the
//                           server-rendered ones once at start, with m = null)
// What the shell adds (thread page): chat.setReply(m | null), chat.focusComposer(),
// chat.lastSeq(), chat.atBottom(), chat.scrollToBottom(), chat.messageBySeq(seq) and
// chat.outbox (list.js, composer.js, outbox.js).
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
