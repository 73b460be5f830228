// Fingertip web hooks: injected before any page script. Reports, with timestamps and a JS stack,
// geolocation requests, camera / microphone, file choosers and fetch / XHR / sendBeacon calls.
// Reports go to a made-up host the capture proxy answers itself, so they survive navigations.
(() => {
  if (window.__fingertipHooks) return;
  window.__fingertipHooks = true;
  const SINK = location.protocol.replace(/^(?!https?:).*/, "http:") + "//fingertip-hooks.invalid/events";
  // The run's secret, put here by the harness: the sink drops reports without it (the page can post there too).
  // It lives only in this closure and the report body (never the URL, which resource timing would show), and
  // the body is joined by hand, so a page-defined toJSON or JSON.stringify never sees it.
  const SECRET = "__FINGERTIP_HOOK_SECRET__";
  const stringify = JSON.stringify;
  const beacon = navigator.sendBeacon ? navigator.sendBeacon.bind(navigator) : null;
  const realFetch = window.fetch ? window.fetch.bind(window) : null;
  let queue = [];
  let timer = null;

  const stack = () => {
    const lines = (new Error().stack || "").split("\n").slice(3, 11);
    return lines.map((s) => s.trim()).filter((s) => s && !s.includes("fingertip"));
  };
  const flush = () => {
    timer = null;
    if (!queue.length) return;
    const body = '{"k":"' + SECRET + '","events":' + stringify(queue) + "}";
    queue = [];
    if (!(beacon && beacon(SINK, body)) && realFetch) {
      realFetch(SINK, { method: "POST", body, keepalive: true, mode: "no-cors" }).catch(() => {});
    }
  };
  const report = (kind, detail) => {
    queue.push({ kind, detail, t: Date.now() / 1000, page: location.href, stack: stack() });
    if (!timer) timer = setTimeout(flush, 150);
  };
  addEventListener("pagehide", flush, true);

  // Idleness for the explorer: requests in flight and time since the DOM last changed.
  let inflight = 0;
  let lastChange = Date.now();
  const track = (promise) => { inflight++; const done = () => { inflight--; lastChange = Date.now(); }; promise.then(done, done); return promise; };
  new MutationObserver(() => { lastChange = Date.now(); }).observe(document, { subtree: true, childList: true, characterData: true });
  window.__fingertipIdle = () => ({ inflight, quietMs: Date.now() - lastChange, ready: document.readyState });
  const isSink = (url) => String(url).includes("fingertip-hooks.invalid");
  const absolute = (url) => { try { return new URL(String(url), location.href).href; } catch (e) { return String(url); } };

  // Run monitoring (Art. 17): uncaught errors and main-thread stalls.
  addEventListener("error", (event) => {
    if (event instanceof ErrorEvent) {
      report("js-error", { message: String(event.message), source: event.filename || "", line: event.lineno || 0 });
    } else {  // an image or script that failed to load: not a script error
      const target = event.target || {};
      report("resource-error", { tag: String(target.tagName || ""), url: String(target.src || target.href || "") });
    }
  }, true);
  addEventListener("unhandledrejection", (event) => report("js-error", { message: "unhandled rejection: " + String(event.reason && (event.reason.message || event.reason)) }));
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.duration >= 200) report("long-task", { duration_ms: Math.round(entry.duration) });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { /* no long-task timing in this engine */ }

  // Native dialogs (alert / confirm / prompt) block the page and are not in its DOM. Each is answered at once and
  // its message kept until the next snapshot, which shows it as text (a person reads it: 提交成功，受理编号…).
  // confirm answers "cancel" — it guards what the walk must not do (确认上报？ 确认删除？) — except while the
  // harness files its one complaint (arm). Defined non-writable: a page cannot swap them for its own.
  const messages = [];
  let armed = false;
  const said = (kind, message) => {
    const text = String(message === undefined ? "" : message).slice(0, 500);
    report("dialog", { type: kind, message: text });
    if (messages.length < 20) messages.push(text);
  };
  const dialogs = Object.freeze({
    take: () => messages.splice(0, messages.length),
    arm: (on) => { armed = on === true; },
  });
  Object.defineProperty(window, "__fingertipDialogs", { value: dialogs, writable: false, configurable: false });
  const answers = {
    alert: (message) => { said("alert", message); },
    confirm: (message) => { said("confirm", message); const ok = armed; armed = false; return ok; },
    prompt: (message) => { said("prompt", message); return null; },
  };
  for (const [kind, answer] of Object.entries(answers)) {
    Object.defineProperty(window, kind, { value: answer, writable: false, configurable: false });
  }

  // Position watches the page keeps open (watchPosition not yet cleared): the snapshot reads their count, so the
  // walk can stay a while where the app began to follow the device (does it send the track?).
  const watches = new Set();
  Object.defineProperty(window, "__fingertipWatching", { value: Object.freeze({ count: () => watches.size }),
                                                         writable: false, configurable: false });
  const geo = navigator.geolocation;
  if (geo) {
    const clear = geo.clearWatch.bind(geo);
    geo.clearWatch = (id) => { watches.delete(id); return clear(id); };
    for (const method of ["getCurrentPosition", "watchPosition"]) {
      const real = geo[method].bind(geo);
      geo[method] = (ok, fail, options) => {
        report("geolocation", { method, options: options || null });
        const id = real((position) => {
          report("geolocation-result", { method, latitude: position.coords.latitude, longitude: position.coords.longitude, accuracy: position.coords.accuracy });
          if (ok) ok(position);
        }, (error) => {
          report("geolocation-error", { method, code: error.code, message: error.message });
          if (fail) fail(error);
        }, options);
        if (method === "watchPosition" && watches.size < 1000) watches.add(id);
        return id;
      };
    }
  }

  const media = navigator.mediaDevices;
  if (media && media.getUserMedia) {
    const real = media.getUserMedia.bind(media);
    media.getUserMedia = (constraints) => {
      report("camera", { video: !!(constraints && constraints.video), audio: !!(constraints && constraints.audio) });
      return real(constraints);
    };
  }

  document.addEventListener("click", (event) => {
    const input = event.target && event.target.closest && event.target.closest("input[type=file]");
    if (input) report("file-chooser", { accept: input.accept || "", capture: input.getAttribute("capture"), id: input.id || input.name || "" });
  }, true);
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input && input.type === "file") {
      const files = Array.from(input.files || []).map((f) => ({ name: f.name, size: f.size, type: f.type }));
      report("file-selected", { id: input.id || input.name || "", accept: input.accept || "", capture: input.getAttribute("capture"), files });
    }
  }, true);

  if (realFetch) {
    window.fetch = (resource, init) => {
      const url = resource && resource.url ? resource.url : resource;
      if (!isSink(url)) report("fetch", { method: ((init && init.method) || (resource && resource.method) || "GET").toUpperCase(), url: absolute(url) });
      return track(realFetch(resource, init));
    };
  }
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.__fingertip = { method: String(method).toUpperCase(), url: absolute(url) };
    return open.call(this, method, url, ...rest);
  };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    if (this.__fingertip && !isSink(this.__fingertip.url)) {
      report("xhr", this.__fingertip);
      track(new Promise((resolve) => this.addEventListener("loadend", resolve)));
    }
    return send.call(this, body);
  };
  if (beacon) {
    navigator.sendBeacon = (url, data) => {
      if (!isSink(url)) report("beacon", { url: absolute(url), size: data ? (data.size || data.length || 0) : 0 });
      return beacon(url, data);
    };
  }
})();
