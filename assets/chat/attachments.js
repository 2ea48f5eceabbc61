// A message's files (kollega.uploads): images as thumbnails linked to the full image
// (<img alt=name>), other files as download cards with name, size (in the page's
// language: "1,2 MB") and type. The same markup as templates/networks/_attachments.html.
// renderAttachments(m) returns the node, or null when the message has no files.
import { sizeText } from "./uploads.js";

function strings() {
  const el = document.getElementById("chat-strings");
  return el ? el.dataset : {};
}

function node(tag, attrs, text) {
  const n = document.createElement(tag);
  Object.keys(attrs || {}).forEach((k) => n.setAttribute(k, attrs[k]));
  if (text !== undefined) n.textContent = text;
  return n;
}

function kind(name) {
  const dot = String(name || "").lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toUpperCase() : "";
}

export function renderAttachments(m) {
  const list = (m && m.attachments) || [];
  if (!list.length) return null;
  const T = strings();
  const locale = T.locale || document.documentElement.lang || "nb";
  const root = node("div", { class: "attachments" });
  const images = list.filter((a) => a.thumbnail_url);
  const files = list.filter((a) => !a.thumbnail_url);
  if (images.length) {
    const ul = node("ul", { class: "attachment-images", "aria-label": T.images || "Images" });
    images.forEach((a) => {
      const li = node("li");
      const link = node("a", { class: "attachment-image", href: a.url, target: "_blank", rel: "noopener" });
      link.appendChild(node("img", { src: a.thumbnail_url, alt: a.name, loading: "lazy" }));
      li.appendChild(link);
      ul.appendChild(li);
    });
    root.appendChild(ul);
  }
  if (files.length) {
    const ul = node("ul", { class: "attachment-files", "aria-label": T.files || "Files" });
    files.forEach((a) => {
      const li = node("li", { class: "attachment-card" });
      const link = node("a", { href: a.url, download: a.name });
      link.appendChild(node("span", { class: "attachment-name" }, a.name));
      li.appendChild(link);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(node("span", { class: "attachment-meta muted" }, kind(a.name) + " · " + sizeText(a.size, locale)));
      ul.appendChild(li);
    });
    root.appendChild(ul);
  }
  return root;
}
