// Attachments of a message (the UPLOADS helper's module; this is a placeholder until it
// lands): renderAttachments(m) returns a DOM node for m.attachments, or null.
export function renderAttachments() {
  return null;
}
