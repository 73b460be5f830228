// Returns the page as the explorer sees it: actionable controls (marked with data-fingertip-ref
// so the harness can act on them) and the visible text lines.
const TABBAR = "[role=tablist], nav, .tabbar, .tab-bar, .van-tabbar, .weui-tabbar";
const CONTROLS = "a[href], button, input, textarea, select, [role=button], [role=tab], [role=link], [onclick], summary";
const visible = (el) => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && style.visibility !== "hidden" && style.display !== "none";
};
const labelOf = (el) => {
  if (el.id) {
    const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (label) return label.innerText.trim();
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
let next = Number(document.documentElement.dataset.fingertipNext || 0);
const nodes = [];
for (const el of document.querySelectorAll(CONTROLS)) {
  // File inputs are often hidden behind a styled label: keep them even when invisible.
  const isFile = el.tagName === "INPUT" && el.type === "file";
  if (!isFile && !visible(el)) continue;
  if (el.disabled) continue;
  if (!el.dataset.fingertipRef) el.dataset.fingertipRef = String(next++);
  const r = el.getBoundingClientRect();
  const role = roleOf(el);
  const editable = ["input", "textarea"].includes(role);
  nodes.push({
    ref: el.dataset.fingertipRef,
    role,
    text: (role === "file" ? "" : editable ? el.value : (el.innerText || el.value || "")).trim().replace(/\s+/g, " ").slice(0, 80),
    hint: labelOf(el).slice(0, 80),
    clickable: !editable && role !== "file",
    editable,
    in_tabbar: !!el.closest(TABBAR),
    bounds: [Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)],
  });
}
document.documentElement.dataset.fingertipNext = String(next);
const texts = (document.body ? document.body.innerText : "").split("\n").map((s) => s.trim()).filter(Boolean).slice(0, 400);
return { key: location.pathname + location.hash, href: location.href, title: document.title, nodes, texts };
