(function () {
  var API = location.protocol + '//api.hbj.corpus.test' + (location.port ? ':' + location.port : '');
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function show(id) { ['home', 'wizard', 'done', 'list'].forEach(function (x) { $(x).classList.toggle('hidden', x !== id); }); }
  fetch(API + '/aqi').then(function (r) { return r.json(); }).then(function (d) {
    $('aqi').textContent = 'AQI ' + d.aqi + '（' + d.level + '），PM2.5 ' + d.pm25 + ' μg/m³';
  }).catch(function () { $('aqi').textContent = '暂无数据'; });

  var step = 0, watchId = null, timer = null, last = null;
  function startTrack() {
    if (!navigator.geolocation || watchId !== null) return;
    watchId = navigator.geolocation.watchPosition(function (p) { last = p.coords; }, function () {}, { enableHighAccuracy: true });
    timer = setInterval(function () {
      if (!last) return;
      fetch(API + '/track', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ lat: last.latitude, lng: last.longitude, ts: Date.now() }) }).catch(function () {});
    }, 5000);
  }
  function stopTrack() {
    if (watchId !== null) { navigator.geolocation.clearWatch(watchId); watchId = null; }
    if (timer) { clearInterval(timer); timer = null; }
  }
  function render() {
    Array.prototype.forEach.call(document.querySelectorAll('.st'), function (el) { el.classList.toggle('hidden', +el.getAttribute('data-s') !== step); });
    Array.prototype.forEach.call(document.querySelectorAll('.steps i'), function (el, i) { el.classList.toggle('on', i <= step); });
    $('prev').style.visibility = step ? 'visible' : 'hidden';
    $('next').textContent = step === 3 ? '提交' : '下一步';
    $('werr').textContent = '';
    if (step === 3) $('sum').textContent = '类型：' + $('kind').value + '\n地址：' + $('addr').value + '\n描述：' + $('text').value;
  }
  $('start').onclick = function () { step = 0; show('wizard'); render(); startTrack(); };
  $('prev').onclick = function () { if (step) { step--; render(); } };
  $('next').onclick = function () {
    if (step === 1 && !$('addr').value.trim()) { $('werr').textContent = '请填写问题地址'; return; }
    if (step === 2 && !$('text').value.trim()) { $('werr').textContent = '请填写问题描述'; return; }
    if (step < 3) { step++; render(); return; }
    fetch(API + '/cases', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: $('kind').value, addr: $('addr').value, text: $('text').value }) })
      .then(function (r) { return r.json(); }).then(function (d) {
        if (!d.ok) { $('werr').textContent = d.msg; return; }
        stopTrack();
        $('doneMsg').textContent = '您的投诉已受理，受理编号：' + d.no + '。可在“进度查询”查看办理情况。';
        $('addr').value = ''; $('text').value = '';
        show('done');
      });
  };
  function loadList() {
    show('list');
    fetch(API + '/cases').then(function (r) { return r.json(); }).then(function (d) {
      if (!d.items.length) { $('items').textContent = '暂无投诉记录'; return; }
      $('items').innerHTML = d.items.map(function (c) {
        return '<div class="item">受理编号：' + esc(c.no) + '\n类型：' + esc(c.kind) + '\n地址：' + esc(c.addr) + '\n描述：' + esc(c.text) +
          '\n状态：' + esc(c.status) + '\n答复：' + (c.reply ? esc(c.reply) : '办理中，请稍后查看') + (c.rating ? '\n评价：' + esc(c.rating) : '') +
          (c.can_rate ? '<div class="lv">评价：' + ['非常满意', '满意', '一般', '不满意'].map(function (v) {
            return '<button data-no="' + esc(c.no) + '" data-lv="' + v + '">' + v + '</button>'; }).join('') + '</div>' : '') + '</div>';
      }).join('');
      Array.prototype.forEach.call($('items').querySelectorAll('[data-lv]'), function (b) {
        b.onclick = function () {
          fetch(API + '/cases/rate', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ no: b.getAttribute('data-no'), level: b.getAttribute('data-lv') }) }).then(loadList);
        };
      });
    });
  }
  $('progress').onclick = loadList; $('toProgress').onclick = loadList;
  $('toHome').onclick = function () { show('home'); }; $('back').onclick = function () { show('home'); };
})();
