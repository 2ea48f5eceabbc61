// Placeholder until this module is filled in: see chat.js for the shared object.
export function init(chat) {
  return chat;
}
