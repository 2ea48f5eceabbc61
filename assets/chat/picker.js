// The reaction picker: emoji-picker-element (npm; an accessible, searchable web component)
// in a modal <dialog>. Its emoji data comes from our own static/vendor/emoji/<locale>.json
// (copied there from emoji-picker-element-data by scripts/build_assets.mjs): nothing is
// loaded from a CDN.
//
// Our CSP allows no inline style (style-src 'self'), and the component puts its styles in a
// <style> element inside its shadow root, which the browser then refuses. The same CSS is
// handed to the shadow root as a constructed stylesheet (adoptedStyleSheets: CSSOM, which
// the CSP does not block), with a few rules for what its refused style="" attributes did
// (the category tabs' grid, the tab indicator, the skin-tone list).
import "emoji-picker-element";

const CSP_RULES = `
.nav{grid-auto-flow:column;grid-auto-columns:1fr}
.indicator-wrapper{display:none}
.nav-button[aria-selected=true]{box-shadow:inset 0 -3px 0 var(--indicator-color)}
.skintone-list.hidden{display:none}
.emoji-menu{grid-auto-rows:var(--total-emoji-size)}
`;

// The component writes its few dynamic styles (the tabs' grid, the tab indicator, the
// skin-tone list, the grid's rows) as style="" attributes, which the CSP refuses. Inside
// the picker's shadow root those writes go through the CSSOM instead (el.style.cssText),
// which the CSP allows: the same styles, and nothing refused.
function routeStyleWrites() {
  const native = Element.prototype.setAttribute;
  if (native._kollegaPicker) return;
  const inPicker = (el) => {
    const root = el.getRootNode();
    return !!(root && root.host && root.host.localName === "emoji-picker");
  };
  const patched = function (name, value) {
    if (name === "style" && inPicker(this)) {
      this.style.cssText = String(value);
      return undefined;
    }
    // Its first render is built from <template> clones (another, inert document) and
    // only then put into the shadow root, where a style attribute would be refused: the
    // style waits for the element to arrive (pickerArrived).
    if (name === "style" && this.ownerDocument !== document && !this.isConnected) {
      waiting.set(this, String(value));
      return undefined;
    }
    return native.call(this, name, value);
  };
  patched._kollegaPicker = true;
  Element.prototype.setAttribute = patched;
}

const waiting = new Map(); // element -> the style it was given before it arrived

function pickerArrived() {
  waiting.forEach((value, el) => {
    if (el.isConnected) {
      el.style.cssText = value;
      waiting.delete(el);
    }
  });
}

let dialog = null;
let picker = null;
let returnTo = null;
let onPick = null;

function dataUrl(locale) {
  const script = document.querySelector('script[src*="vendor/chat.js"]');
  const base = script ? script.src.replace(/chat\.js(\?.*)?$/, "") : "/static/vendor/";
  return base + "emoji/" + (locale === "en" ? "en" : "nb") + ".json";
}

function adoptStyles(el) {
  const root = el.shadowRoot;
  if (!root || root.adoptedStyleSheets.length) return;
  const style = root.querySelector("style");
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync((style ? style.textContent : "") + CSP_RULES);
    root.adoptedStyleSheets = [sheet];
    // Taken out before the picker joins the page, so the browser never refuses it.
    if (style) style.remove();
  } catch (e) {
    // An old browser without constructed stylesheets: the picker works, unstyled.
  }
}

function build(chat) {
  routeStyleWrites();
  const T = chat.strings;
  dialog = document.createElement("dialog");
  dialog.id = "reaction-picker";
  dialog.className = "emoji-dialog";
  dialog.setAttribute("aria-labelledby", "reaction-picker-title");
  const head = document.createElement("div");
  head.className = "emoji-dialog-head";
  const title = document.createElement("h2");
  title.id = "reaction-picker-title";
  title.textContent = T.pickerTitle || "";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "link";
  close.textContent = T.close || "×";
  close.addEventListener("click", () => dialog.close());
  head.append(title, close);
  picker = document.createElement("emoji-picker");
  new MutationObserver(pickerArrived).observe(picker.shadowRoot, { childList: true, subtree: true });
  const locale = T.locale === "en" ? "en" : "nb";
  picker.locale = locale;
  picker.dataSource = dataUrl(locale);
  if (T.pickerI18n) {
    try {
      picker.i18n = JSON.parse(T.pickerI18n);
    } catch (e) {
      /* the component's English stays */
    }
  }
  adoptStyles(picker);
  picker.addEventListener("emoji-click", (ev) => {
    const emoji = ev.detail && ev.detail.unicode;
    const fn = onPick;
    dialog.close();
    if (emoji && fn) fn(emoji);
  });
  dialog.append(head, picker);
  dialog.addEventListener("close", () => {
    onPick = null;
    const back = returnTo;
    returnTo = null;
    if (back && back.isConnected) back.focus();
  });
  // A click on the backdrop (outside the picker) closes it.
  dialog.addEventListener("click", (ev) => {
    if (ev.target === dialog) dialog.close();
  });
  document.body.appendChild(dialog);
}

function focusSearch(tries) {
  const input = picker.shadowRoot && picker.shadowRoot.querySelector("input.search, #search");
  if (input) input.focus();
  else if (tries > 0) requestAnimationFrame(() => focusSearch(tries - 1));
}

// Opens the picker for the button that asked; calls pick(emoji) with the chosen one.
export function openPicker(button, chat, pick) {
  if (!dialog) build(chat);
  returnTo = button;
  onPick = pick;
  if (!dialog.open) dialog.showModal();
  adoptStyles(picker);
  focusSearch(30);
}

export function pickerOpen() {
  return !!(dialog && dialog.open);
}
