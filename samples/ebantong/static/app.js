"use strict";
const API = "http://api.ebantong.demo.test";
const view = document.getElementById("view");
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

async function api(path, options) {
  const response = await fetch(API + path, Object.assign({ headers: { "Content-Type": "application/json" } }, options));
  return response.json();
}

const pages = {
  async home() {
    const news = await api("/api/news");
    return `<div class="card"><h3>政务要闻</h3>${news.map((n) => `<p>${esc(n.title)} <small>${n.date}</small></p>`).join("")}</div>
      <div class="card"><h3>热门服务</h3><div class="grid">
        <button onclick="location.hash='#/services'">户籍办理</button><button onclick="location.hash='#/services'">社保查询</button>
        <button onclick="location.hash='#/services'">公积金</button><button onclick="location.hash='#/services'">积分落户</button></div></div>
      <div class="footer">主办单位：某市人民政府办公厅　承办：某市大数据中心<br>备案编号：京ICP备12345678号-1A</div>`;
  },
  async services() {
    const services = await api("/api/services");
    return `<div class="card"><h3>办事服务</h3><div class="grid">${services.map((s) => `<button>${esc(s)}</button>`).join("")}</div></div>`;
  },
  async interact() {
    return `<div class="card"><h3>政民互动</h3>
      <button class="entry" onclick="location.hash='#/complaint'">投诉建议</button>
      <button class="entry" onclick="location.hash='#/track'">我的反馈（办理进度）</button>
      <button class="entry" onclick="location.hash='#/hotline'">12345热线</button></div>`;
  },
  async hotline() {
    return `<div class="card"><h3>12345政务服务便民热线</h3><p>7×24小时受理企业和群众诉求。</p></div>`;
  },
  async complaint() {
    return `<div class="card"><h3>我要投诉 / 我要建议</h3>
      <form id="complaint-form">
        <label for="kind">类型</label><select id="kind"><option>投诉</option><option>建议</option><option>咨询</option></select>
        <label for="ctitle">标题</label><input id="ctitle" placeholder="请输入标题">
        <label for="content">诉求内容</label><textarea id="content" rows="4" placeholder="请描述您的诉求"></textarea>
        <label for="phone">联系电话</label><input id="phone" placeholder="选填">
        <button class="primary" type="submit">提交</button>
      </form><p id="result"></p></div>`;
  },
  async track() {
    const items = await api("/api/complaints");
    const rows = items.map((c) => `<div class="card"><b>受理编号 ${esc(c.number)}</b><p>${esc(c.title || c.content)}</p>
        <p class="status">办理进度：${esc(c.status)}</p>${c.rating ? `<p>已评价：${esc(c.rating)}</p>` : `<button class="entry" onclick="location.hash='#/rate/${esc(c.number)}'">满意度评价</button>`}</div>`);
    return `<div class="card"><h3>我的反馈</h3><label for="q">受理编号查询</label><input id="q" placeholder="输入受理编号">
      <button class="primary" id="query">查询办理进度</button></div>${rows.join("") || '<p class="card">暂无诉求记录</p>'}
      <div class="card"><h3>满意度评价</h3><p>办结后可对处理结果进行好差评（非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意）。</p></div>`;
  },
  async rate(number) {
    const levels = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"];
    return `<div class="card"><h3>满意度评价 ${esc(number)}</h3>${levels.map((l) => `<button class="entry" data-level="${l}">${l}</button>`).join("")}</div>`;
  },
  async mine() {
    return `<div class="card"><h3>我的</h3><button class="entry" onclick="location.hash='#/track'">我的诉求</button>
      <button class="entry">帮助与反馈</button><button class="entry">关于我们</button></div>
      <div class="footer">主办单位：某市人民政府办公厅<br>备案编号：京ICP备12345678号-1A</div>`;
  },
};

async function render() {
  const [name, arg] = (location.hash.replace(/^#\//, "") || "home").split("/");
  const page = pages[name] || pages.home;
  view.innerHTML = await page(arg);
  document.querySelectorAll(".tabbar a").forEach((a) => a.classList.toggle("active", a.dataset.tab === name));
  const form = document.getElementById("complaint-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { kind: kind.value, title: ctitle.value, content: content.value, phone: phone.value };
      const result = await api("/api/complaints", { method: "POST", body: JSON.stringify(body) });
      document.getElementById("result").textContent = result.number ? `提交成功，受理编号：${result.number}` : result.error;
    });
  }
  document.querySelectorAll("[data-level]").forEach((button) => button.addEventListener("click", async () => {
    await api(`/api/complaints/${arg}/rating`, { method: "POST", body: JSON.stringify({ level: button.dataset.level }) });
    location.hash = "#/track";
  }));
  const query = document.getElementById("query");
  if (query) query.addEventListener("click", async () => { await api("/api/complaints?number=" + encodeURIComponent(q.value)); });
}

window.addEventListener("hashchange", render);
render();
