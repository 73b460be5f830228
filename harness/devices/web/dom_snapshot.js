// Returns the page as the explorer sees it: actionable controls (marked with data-fingertip-ref
// so the harness can act on them) and the visible text lines.
const TABBAR = "[role=tablist], nav, .tabbar, .tab-bar, .van-tabbar, .weui-tabbar";
const CONTROLS = "a[href], button, input, textarea, select, [role=button], [role=tab], [role=link], [onclick], summary";
const visible = (el) => {
  const r = el.getBoundingClientRect();
  const style = el.ownerDocument.defaultView.getComputedStyle(el);
  return r.width > 0 && r.height > 0 && style.visibility !== "hidden" && style.display !== "none";
};
const labelOf = (el) => {
  if (el.id) {
    const label = el.ownerDocument.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (label) return label.innerText.trim();
  }
  const wrapping = el.closest("label");  // <label>手机号<input></label>: the label around the field names it
  if (wrapping && el.tagName !== "SELECT") {  // a select's label would read out its options
    const own = wrapping.innerText.trim();
    if (own) return own;
  }
  return el.getAttribute("aria-label") || el.getAttribute("placeholder") || el.getAttribute("title") || "";
};
const roleOf = (el) => {
  const tag = el.tagName.toLowerCase();
  const type = (el.getAttribute("type") || "").toLowerCase();
  if (tag === "input" && type === "file") return "file";
  if (tag === "input" && (type === "checkbox" || type === "radio")) return "checkbox";
  if (tag === "input" && (type === "submit" || type === "button")) return "button";
  if (tag === "input") return "input";
  if (tag === "textarea") return "textarea";
  if (tag === "select") return "select";
  if (el.getAttribute("role") === "tab" || el.closest(TABBAR)) return "tab";
  if (tag === "a") return "link";
  return "button";
};
// A dialog or overlay that covers the page (a modal <dialog>, or a fixed layer over most of the viewport at its
// centre): a finger reaches only what is on it. Controls it covers are marked, so the walk closes it first.
const W = innerWidth, H = innerHeight;
const layerAt = (x, y) => {
  let found = null;
  for (let el = document.elementFromPoint(x, y); el && el !== document.body && el !== document.documentElement;
       el = el.parentElement) {
    if (getComputedStyle(el).position !== "fixed") continue;
    const r = el.getBoundingClientRect();
    if (Math.min(r.right, W) - Math.max(r.left, 0) >= 0.8 * W && Math.min(r.bottom, H) - Math.max(r.top, 0) >= 0.6 * H) found = el;
  }
  return found;
};
const modal = [...document.querySelectorAll("dialog")].find((d) => d.open && d.matches(":modal"));
const overlay = modal || layerAt(W / 2, H / 2);
const coveredBy = (el) => {
  if (!overlay || overlay.contains(el)) return false;
  if (modal) return true;  // outside a modal dialog everything is inert
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x >= W || y >= H) {  // out of view: covered when the layer covers the whole viewport
    const o = overlay.getBoundingClientRect();
    return o.top <= 0 && o.bottom >= H;
  }
  const top = document.elementFromPoint(x, y);
  return !!top && overlay.contains(top);
};
let next = Number(document.documentElement.dataset.fingertipNext || 0);
const nodes = [];
const texts = [];
const textOf = (doc) => (doc.body ? doc.body.innerText : "").split("\n").map((s) => s.trim()).filter(Boolean);
// Same-origin frames are part of the page a person sees (a complaint form in an iframe): their controls get refs
// "frame>control" (a chain of refs from the top document) and page coordinates; other origins stay opaque.
const collect = (doc, dx, dy, prefix, frameCovered, depth) => {
  for (const el of doc.querySelectorAll(CONTROLS)) {
    // File inputs are often hidden behind a styled label: keep them even when invisible.
    const isFile = el.tagName === "INPUT" && el.type === "file";
    if (!isFile && !visible(el)) continue;
    if (el.disabled) continue;
    if (!el.dataset.fingertipRef) el.dataset.fingertipRef = String(next++);
    const r = el.getBoundingClientRect();
    const role = roleOf(el);
    const editable = ["input", "textarea"].includes(role);
    nodes.push({
      ref: prefix + el.dataset.fingertipRef,
      role,
      text: (role === "file" ? "" : editable ? el.value : (el.innerText || el.value || "")).trim().replace(/\s+/g, " ").slice(0, 80),
      hint: labelOf(el).slice(0, 80),
      clickable: !editable && role !== "file",
      editable,
      in_tabbar: !!el.closest(TABBAR),
      covered: !isFile && (prefix ? frameCovered : coveredBy(el)),
      bounds: [Math.round(r.left + dx), Math.round(r.top + dy), Math.round(r.right + dx), Math.round(r.bottom + dy)],
    });
  }
  if (depth >= 3) return;
  for (const frame of doc.querySelectorAll("iframe, frame")) {
    let inner = null;
    try { inner = frame.contentDocument; } catch (e) { inner = null; }  // another origin: not ours to read
    if (!inner || !inner.body || !visible(frame)) continue;
    if (!frame.dataset.fingertipRef) frame.dataset.fingertipRef = String(next++);
    const r = frame.getBoundingClientRect();
    texts.push(...textOf(inner));
    collect(inner, dx + r.left + frame.clientLeft, dy + r.top + frame.clientTop, prefix + frame.dataset.fingertipRef + ">",
            prefix ? frameCovered : coveredBy(frame), depth + 1);
  }
};
// Messages of native dialogs (alert / confirm) the page raised since the last snapshot, from the hook script.
const dialogText = (win) => {
  try {
    const taken = win.__fingertipDialogs && win.__fingertipDialogs.take();
    return Array.isArray(taken) ? taken.slice(0, 20).map((m) => String(m).slice(0, 500)) : [];
  } catch (e) { return []; }
};
texts.push(...textOf(document));
collect(document, 0, 0, "", false, 0);
const said = [];
// The page's window and its same-origin frames' (others are not ours to read).
const windows = [window, ...[...document.querySelectorAll("iframe, frame")].map((f) => {
  try { return f.contentDocument ? f.contentWindow : null; } catch (e) { return null; }
})].filter(Boolean);
for (const win of windows) {
  for (const message of dialogText(win)) said.push(...message.split("\n").map((s) => s.trim()).filter(Boolean));
}
texts.unshift(...said.slice(0, 40));  // first: a page of 400 lines must not push them out
// Texts of pictures (alt, aria-label of role=img): a screen reader says them, a person sees only the picture.
const images = [...document.querySelectorAll("img[alt], [role=img][aria-label]")].filter(visible)
  .map((el) => (el.getAttribute("alt") || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 200))
  .filter(Boolean).slice(0, 40);
document.documentElement.dataset.fingertipNext = String(next);
return { key: location.pathname + location.hash, href: location.href, title: document.title, nodes, texts: texts.slice(0, 400), images,
         watching: windows.some((win) => { try { return win.__fingertipWatching.count() > 0; } catch (e) { return false; } }) };
