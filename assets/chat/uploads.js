// Files and images in the composer: an attach button, drag and drop onto the message list
// or the composer, and an image pasted into the text box. Each file goes to
// POST /api/v1/uploads at once (with its progress shown and announced); the ids of the
// finished ones travel with the next message (beforeSend: payload.attachments) and the
// tray is emptied after it is sent (afterSend). A file can be removed before sending
// (DELETE /api/v1/uploads/{id}). The server checks everything again.
import { el, fmt } from "./util.js";

const MAX_FILES = 10;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// 1 234 567 bytes -> "1,2 MB" (bokmål) / "1.2 MB" (English).
export function sizeText(bytes, locale) {
  const tag = locale === "en" ? "en-GB" : "nb-NO";
  const n = Number(bytes) || 0;
  const fmtNum = (v, d) =>
    new Intl.NumberFormat(tag, { maximumFractionDigits: d, minimumFractionDigits: 0 }).format(v);
  if (n >= 1024 * 1024) return fmtNum(n / (1024 * 1024), 1) + " MB";
  if (n >= 1024) return fmtNum(Math.round(n / 1024), 0) + " kB";
  return fmtNum(n, 0) + " B";
}

export function init(chat) {
  const { form, textarea, list, strings: T } = chat;
  if (!form || !textarea) return;
  const locale = T.locale || document.documentElement.lang || "nb";
  const items = []; // {file, name, li, state: uploading|done|failed, id, xhr}

  // --- controls ------------------------------------------------------------------------------
  const input = el("input", { type: "file", multiple: "", id: "upload-input", className: "visually-hidden", tabindex: "-1", "aria-hidden": "true" });
  // On a phone only "+" shows; the name stays "Legg ved fil" / "Attach file".
  const button = el("button", { type: "button", id: "attach-button", className: "attach-button" });
  button.append(
    el("span", { className: "attach-icon", "aria-hidden": "true" }, "+"),
    el("span", { className: "attach-label" }, T.attachFile || "Attach file"),
  );
  const tray = el("ul", { id: "upload-tray", className: "upload-tray", "aria-label": T.attachments || "Attachments" });
  tray.hidden = true;
  const status = el("p", { id: "upload-status", className: "visually-hidden", role: "status" });
  const row = form.querySelector(".composer-row");
  const send = row && row.querySelector("button[type=submit]");
  if (row) row.insertBefore(button, send || null);
  else form.appendChild(button);
  form.appendChild(input);
  const field = form.querySelector(".composer-field") || form.firstChild;
  form.insertBefore(tray, field);
  form.appendChild(status);

  chat.pendingUploads = () => items.filter((i) => i.state === "done").length;
  chat.uploadsBusy = () => items.some((i) => i.state === "uploading");

  function announce(text) {
    status.textContent = "";
    setTimeout(() => {
      status.textContent = text;
    }, 30);
  }

  function showTray() {
    tray.hidden = items.length === 0;
  }

  function remove(item, focusNext) {
    if (item.xhr && item.state === "uploading") item.xhr.abort();
    if (item.id && item.state === "done") {
      fetch("/api/v1/uploads/" + item.id, {
        method: "DELETE",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      }).catch(() => {});
    }
    const idx = items.indexOf(item);
    if (idx >= 0) items.splice(idx, 1);
    item.li.remove();
    showTray();
    announce(fmt(T.uploadRemoved || "{name} removed", { name: item.name }));
    if (focusNext) textarea.focus();
  }

  function setState(item, state, text) {
    item.state = state;
    item.li.dataset.state = state;
    item.stateText.textContent = text;
    if (state !== "uploading") item.progress.remove();
  }

  function itemNode(item) {
    const li = el("li", { className: "upload-item" });
    const name = el("span", { className: "upload-name" }, item.name);
    const size = el("span", { className: "upload-size muted" }, sizeText(item.file.size, locale));
    item.stateText = el("span", { className: "upload-state" });
    item.progress = el("progress", { max: "100", value: "0", "aria-label": fmt(T.uploading || "Uploading {name}…", { name: item.name }) });
    const rm = el("button", { type: "button", className: "link upload-remove", "aria-label": fmt(T.uploadRemove || "Remove {name}", { name: item.name }) }, "✕");
    rm.addEventListener("click", () => remove(item, true));
    li.append(name, " ", size, " ", item.progress, " ", item.stateText, " ", rm);
    return li;
  }

  function upload(file) {
    if (items.length >= MAX_FILES) {
      announce(fmt(T.uploadTooMany || "At most {num} files per message.", { num: MAX_FILES }));
      return;
    }
    const item = { file, name: file.name || "file", state: "uploading" };
    item.li = itemNode(item);
    items.push(item);
    tray.appendChild(item.li);
    showTray();
    const busy = fmt(T.uploading || "Uploading {name}…", { name: item.name });
    setState(item, "uploading", busy);
    announce(busy);
    const data = new FormData();
    data.append("file", file, item.name);
    const xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("POST", "/api/v1/uploads");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) item.progress.value = Math.round((ev.loaded / ev.total) * 100);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        body = null;
      }
      if (xhr.status === 201 && body && body.id) {
        item.id = body.id;
        item.name = body.name;
        setState(item, "done", T.uploaded || "Ready to send");
        announce(fmt(T.uploadDone || "{name} is uploaded", { name: item.name }));
        return;
      }
      const why = body && body.error ? (body.error.fields && body.error.fields.file) || body.error.message : "";
      failed(item, why);
    });
    xhr.addEventListener("error", () => failed(item, ""));
    xhr.send(data);
  }

  function failed(item, why) {
    const text = fmt(T.uploadFailed || "{name} was not uploaded", { name: item.name }) + (why ? ": " + why : "");
    setState(item, "failed", why || T.uploadFailedShort || "Not uploaded");
    item.li.classList.add("error");
    announce(text);
  }

  function addFiles(files) {
    Array.from(files || []).forEach(upload);
  }

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    addFiles(input.files);
    input.value = "";
    textarea.focus();
  });

  // Paste: files (a screenshot) from the clipboard; text pastes as usual.
  textarea.addEventListener("paste", (ev) => {
    const data = ev.clipboardData;
    if (!data) return;
    const files = Array.from(data.files || []);
    if (!files.length && data.items) {
      Array.from(data.items).forEach((it) => {
        if (it.kind === "file") {
          const f = it.getAsFile();
          if (f) files.push(f);
        }
      });
    }
    if (!files.length) return;
    ev.preventDefault();
    addFiles(files.map((f, i) => (f.name && f.name !== "image.png" ? f : renamed(f, i))));
  });

  function renamed(file, i) {
    const ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
    const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, "-");
    try {
      return new File([file], (T.pastedImage || "image") + "-" + stamp + (i ? "-" + i : "") + "." + ext, { type: file.type });
    } catch (e) {
      return file;
    }
  }

  // Drag and drop onto the message list or the composer.
  const zones = [list, form].filter(Boolean);
  zones.forEach((zone) => {
    zone.addEventListener("dragover", (ev) => {
      if (!ev.dataTransfer || Array.from(ev.dataTransfer.types || []).indexOf("Files") < 0) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "copy";
      form.classList.add("drop-target");
    });
    zone.addEventListener("dragleave", () => form.classList.remove("drop-target"));
    zone.addEventListener("drop", (ev) => {
      form.classList.remove("drop-target");
      if (!ev.dataTransfer || !ev.dataTransfer.files || !ev.dataTransfer.files.length) return;
      ev.preventDefault();
      addFiles(ev.dataTransfer.files);
      textarea.focus();
    });
  });

  // The finished uploads go with the message; the tray empties once it is sent. Files
  // still uploading stay for the next message.
  let sent = [];
  chat.on("beforeSend", (payload) => {
    const done = items.filter((i) => i.state === "done");
    if (done.length) payload.attachments = done.map((i) => i.id);
    sent = done;
  });
  chat.on("afterSend", () => {
    sent.forEach((item) => {
      const idx = items.indexOf(item);
      if (idx >= 0) items.splice(idx, 1);
      item.li.remove();
    });
    items.filter((i) => i.state === "failed").forEach((item) => {
      items.splice(items.indexOf(item), 1);
      item.li.remove();
    });
    sent = [];
    showTray();
  });
}
