"use strict";
const GW = "http://gw.zhangshang.demo.test";
const view = document.getElementById("view");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const go = (hash) => `onclick="location.hash='${hash}'"`;

async function gw(path, body) {
  const response = await fetch(GW + path, { method: body ? "POST" : "GET", headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  return response.json();
}

function nearest(halls) {
  // Uses the position on the device only: nothing about it is sent.
  return new Promise((resolve) => navigator.geolocation.getCurrentPosition((p) => {
    const d = (h) => (h.lat - p.coords.latitude) ** 2 + (h.lng - p.coords.longitude) ** 2;
    resolve(halls.slice().sort((a, b) => d(a) - d(b))[0].name);
  }, () => resolve(halls[0].name)));
}

const pages = {
  async home() {
    const hall = await nearest(await gw("/halls"));
    return `<div class="card"><h3>附近办事大厅</h3><p>${esc(hall)}</p></div>
      <div class="footer">主办单位：某市政务服务数据管理局<br>备案编号：粤ICP备20260001号-3</div>`;
  },
  async services() {
    return `<div class="card"><h3>全部服务</h3><button class="entry" ${go("#/gov")}>政民互动</button>
      <button class="entry">社保服务</button><button class="entry">交通出行</button></div>`;
  },
  async gov() {
    return `<div class="card"><h3>政民互动</h3><button class="entry" ${go("#/board")}>留言咨询</button>
      <button class="entry">政策问答</button></div>`;
  },
  async board() {
    return `<div class="card"><h3>留言咨询</h3><button class="entry" ${go("#/write")}>我要留言</button>
      <button class="entry" ${go("#/lookup")}>留言查询</button></div>`;
  },
  async write() {
    return `<div class="card"><h3>我要留言</h3><label for="text">留言内容（投诉、建议、咨询）</label>
      <textarea id="text" rows="4"></textarea><button class="primary" id="post">提交</button><p id="done"></p></div>`;
  },
  async lookup() {
    const items = await gw("/messages");
    return `<div class="card"><h3>留言查询</h3>${items.map((m) => `<p>查询码：${esc(m.code)}　${esc(m.text)}　办理进度：${esc(m.state)}</p>`).join("") || "<p>暂无留言</p>"}
      <p>办结后可进行好差评（非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意）。</p><button class="entry">好差评</button></div>`;
  },
  async me() {
    return `<div class="card"><h3>我的</h3><button class="entry" ${go("#/lookup")}>我的留言</button></div>`;
  },
};

async function render() {
  const name = location.hash.replace(/^#\//, "") || "home";
  view.innerHTML = await (pages[name] || pages.home)();
  document.querySelectorAll(".tabbar a").forEach((a) => a.classList.toggle("active", a.dataset.tab === name));
  const post = document.getElementById("post");
  if (post) post.addEventListener("click", async () => {
    const result = await gw("/messages", { text: document.getElementById("text").value });
    document.getElementById("done").textContent = `留言成功，查询码：${result.code}`;
  });
}

window.addEventListener("hashchange", render);
render();
