"use strict";
const MAP = "http://map.xuncha.demo.test";
const view = document.getElementById("view");
let watch = null;

async function api(path, body) {
  const response = await fetch(path, { method: body ? "POST" : "GET", headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  return response.json();
}

// A movement track: every fix goes to the map service in GCJ-02, as AMap-style SDKs send it.
function startTrack() {
  if (watch !== null) return;
  const send = (p) => {
    const g = toGcj02(p.coords.latitude, p.coords.longitude);
    fetch(MAP + "/v1/track", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `location=${g.lng.toFixed(6)},${g.lat.toFixed(6)}&coordsys=gcj02` }).catch(() => {});
  };
  watch = setInterval(() => navigator.geolocation.getCurrentPosition(send, () => {}), 5000);
  navigator.geolocation.getCurrentPosition(send, () => {});
}

function shrink(file) {
  // Resize to 320 px wide and recompress, as apps do before uploading.
  return new Promise((resolve) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = 320; canvas.height = Math.round(image.height * 320 / image.width);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      resolve(canvas.toDataURL("image/jpeg", 0.6));
    };
    image.src = URL.createObjectURL(file);
  });
}

const pages = {
  async tasks() {
    const tasks = await api("/api/tasks");
    return `<div class="card"><h3>今日巡查任务</h3>${tasks.map((t) => `<p>${t.title}</p>`).join("")}</div>`;
  },
  async patrol() {
    startTrack();
    return `<div class="card"><h3>巡查上报</h3><p>巡查中，位置将实时上报。</p>
      <label for="shot">现场照片</label><input type="file" id="shot" accept="image/*"></div>`;
  },
  async feedback() {
    return `<div class="card"><h3>意见反馈</h3><label for="words">投诉或建议内容</label>
      <textarea id="words" rows="4"></textarea><button id="send">提交</button><p id="sent"></p></div>`;
  },
};

async function render() {
  const name = location.hash.replace(/^#\//, "") || "tasks";
  view.innerHTML = await (pages[name] || pages.tasks)();
  document.querySelectorAll(".tabbar a").forEach((a) => a.classList.toggle("active", a.dataset.tab === name));
  const shot = document.getElementById("shot");
  if (shot) shot.addEventListener("change", async () => {
    const photo = await shrink(shot.files[0]);
    navigator.geolocation.getCurrentPosition(async (p) => {
      const b = toBd09(...Object.values(toGcj02(p.coords.latitude, p.coords.longitude)));
      await api("/api/reports", { photo, point: { x: b.lng, y: b.lat, crs: "bd09ll" } });
    });
  });
  const send = document.getElementById("send");
  if (send) send.addEventListener("click", async () => {
    const result = await api("/api/feedback", { content: document.getElementById("words").value });
    document.getElementById("sent").textContent = result.message;
  });
}

window.addEventListener("hashchange", render);
render();
