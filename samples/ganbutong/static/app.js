"use strict";
const IMG = "http://img.ganbutong.demo.test";
const view = document.getElementById("view");
let onlineSeconds = 0;
let studyTimer = null;
let photoDone = false;

async function api(path, options) {
  const response = await fetch(path, Object.assign({ headers: { "Content-Type": "application/json" } }, options));
  return response.json();
}

// Online-time statistics: a heartbeat every 5 s for as long as the app is open.
setInterval(() => {
  onlineSeconds += 5;
  document.getElementById("online").textContent = `在线 ${Math.floor(onlineSeconds / 60)} 分钟`;
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/online/heartbeat");
  xhr.setRequestHeader("Content-Type", "application/json");
  xhr.send(JSON.stringify({ user: "u1024", online_seconds: onlineSeconds }));
}, 5000);
window.addEventListener("pagehide", () => navigator.sendBeacon("/api/online/heartbeat", JSON.stringify({ user: "u1024", online_seconds: onlineSeconds, leaving: true })));

const pages = {
  async home() {
    const rank = await api("/api/points/rank");
    return `<div class="card"><h3>每日签到</h3><p id="checkin-state">今日未签到，签到可得 5 积分</p><button id="checkin">立即签到</button></div>
      <div class="card"><h3>积分排行榜</h3><ol class="rank">${rank.map((r) => `<li>${r.name}（${r.dept}） ${r.points} 分</li>`).join("")}</ol></div>`;
  },
  async study() {
    studyTimer = setInterval(() => api("/api/study/heartbeat", { method: "POST", body: JSON.stringify({ user: "u1024", study_seconds: 5 }) }), 5000);
    return `<div class="card"><h3>学习园地</h3><p>今日学习时长将计入月度考核，请每日学习不少于30分钟。</p>
      <p>《关于进一步优化政务服务的意见》学习材料</p></div>`;
  },
  async work() {
    const tasks = await api("/api/tasks");
    const gate = photoDone ? "" : `<div class="gate"><b>请先上传今日工作照片并上报位置后才能继续</b>
        <p>照片将与当前位置一并上报考核系统。</p>
        <label for="photo">上传工作照片</label> <input type="file" id="photo" accept="image/*" capture="environment"></div>`;
    return `${gate}<div class="card ${photoDone ? "" : "locked"}"><h3>今日任务</h3>${tasks.map((t) => `<p>${t.title}</p>`).join("")}</div>`;
  },
  async mine() {
    return `<div class="card"><h3>我的</h3><p>我的积分：1024</p><p>考勤记录：本月签到 12 天</p><p>学习时长：本月 6.5 小时</p></div>`;
  },
};

function position() {
  return new Promise((resolve) => navigator.geolocation.getCurrentPosition(
    (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }),
    () => resolve(null), { enableHighAccuracy: true, timeout: 5000 }));
}

async function render() {
  if (studyTimer) { clearInterval(studyTimer); studyTimer = null; }
  const name = location.hash.replace(/^#\//, "") || "home";
  view.innerHTML = await (pages[name] || pages.home)();
  document.querySelectorAll(".tabbar a").forEach((a) => a.classList.toggle("active", a.dataset.tab === name));
  const checkin = document.getElementById("checkin");
  if (checkin) checkin.addEventListener("click", async () => {
    const where = await position();
    const result = await api("/api/checkin", { method: "POST", body: JSON.stringify({ user: "u1024", where }) });
    document.getElementById("checkin-state").textContent = `签到成功，已连续签到 ${result.days} 天`;
  });
  const photo = document.getElementById("photo");
  if (photo) photo.addEventListener("change", async () => {
    const where = await position();
    const form = new FormData();
    form.append("photo", photo.files[0]);
    form.append("lat", where ? where.lat : "");
    form.append("lng", where ? where.lng : "");
    await fetch(IMG + "/upload/work-photo", { method: "POST", body: form });
    photoDone = true;
    render();
  });
}

window.addEventListener("hashchange", render);
render();
