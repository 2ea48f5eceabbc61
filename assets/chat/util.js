// Small DOM helpers the shell's modules share.
export function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) =>
    values[k] === undefined ? "" : String(values[k]),
  );
}

export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach((k) => {
    if (k === "className") node.className = attrs[k];
    else node.setAttribute(k, attrs[k]);
  });
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

let timeFormat;
export function timeEl(iso, locale) {
  if (timeFormat === undefined) {
    try {
      timeFormat = new Intl.DateTimeFormat(locale === "en" ? "en-GB" : "nb-NO", {
        dateStyle: "short",
        timeStyle: "short",
        timeZone: "Europe/Oslo",
      });
    } catch (e) {
      timeFormat = null;
    }
  }
  const node = el("time", { datetime: iso || "" });
  const d = iso ? new Date(iso) : new Date();
  node.textContent = timeFormat ? timeFormat.format(d) : d.toLocaleString();
  return node;
}

// The words of a server-rendered (sanitised) body, parsed inert, shortened.
export function plainText(html, max = 200) {
  const doc = new DOMParser().parseFromString(html || "", "text/html");
  const words = (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  return words.length > max ? words.slice(0, max - 1) + "…" : words;
}

export function storage() {
  try {
    return window.localStorage;
  } catch (e) {
    return null;
  }
}
