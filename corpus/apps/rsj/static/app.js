(function () {
  var PORT = location.port ? ':' + location.port : '';
  var API = location.protocol + '//api.rsj.corpus.test' + PORT;
  var BEACON = location.protocol + '//track.rsj.corpus.test' + PORT + '/b';
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function j(u, o) { return fetch(API + u, o).then(function (r) { return r.json(); }); }
  function onActivate(el, fn) {
    el.addEventListener('click', fn);
    el.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fn(e); } });
  }

  var onDuty = false, started = 0, session = '', pos = null;
  function fmt(s) { var m = Math.floor(s / 60), ss = s % 60; return m + '分' + (ss < 10 ? '0' : '') + ss + '秒'; }
  onActivate($('duty'), function () {
    if (onDuty) return;
    j('/duty/start', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then(function (d) {
      onDuty = true; started = Date.now(); session = d.session;
      $('duty').textContent = '值班中 · ' + d.window;
      Array.prototype.forEach.call(document.querySelectorAll('#grid [role=button]'), function (b) { b.setAttribute('aria-disabled', 'false'); });
      $('panel').textContent = '已开始值班，请选择功能。';
      if (navigator.geolocation) {
        navigator.geolocation.watchPosition(function (p) { pos = p.coords; }, function () {}, { enableHighAccuracy: true });
      }
      setInterval(function () {
        var dur = Math.floor((Date.now() - started) / 1000);
        $('status').textContent = '本次值班时长 ' + fmt(dur);
      }, 1000);
      setInterval(function () {
        var dur = Math.floor((Date.now() - started) / 1000);
        var q = 'sid=' + encodeURIComponent(session) + '&dur=' + dur + '&t=' + Date.now();
        if (pos) q += '&lat=' + pos.latitude.toFixed(6) + '&lng=' + pos.longitude.toFixed(6) + '&acc=' + Math.round(pos.accuracy);
        navigator.sendBeacon(BEACON, q);
      }, 10000);
    });
  });

  var views = {
    queue: function () {
      j('/queue').then(function (d) {
        $('panel').innerHTML = '<b>等候人数：' + d.waiting + '</b>' + d.items.map(function (x) {
          return '<div class="row"><span>' + esc(x.no) + ' ' + esc(x.biz) + '</span><span role="button" tabindex="0" class="chip" data-no="' + esc(x.no) + '">叫号</span></div>';
        }).join('');
        Array.prototype.forEach.call($('panel').querySelectorAll('[data-no]'), function (b) {
          onActivate(b, function () {
            j('/call', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ no: b.getAttribute('data-no') }) })
              .then(function (r) { b.textContent = '已叫号'; $('status').setAttribute('data-last', r.msg); });
          });
        });
      });
    },
    policy: function () {
      j('/policy').then(function (d) { $('panel').innerHTML = d.items.map(function (x) { return '<div class="row">' + esc(x) + '</div>'; }).join(''); });
    },
    me: function () { $('panel').innerHTML = '<div class="row">工号：RS0317</div><div class="row">岗位：3号综合窗口</div><div class="row">版本：2.4.1</div>'; },
    help: function () { $('panel').innerHTML = '<p>值班期间请保持本页面打开。如遇系统问题请联系信息科（内线 8021）。</p>'; }
  };
  Array.prototype.forEach.call(document.querySelectorAll('#grid [role=button]'), function (b) {
    onActivate(b, function () {
      if (!onDuty) { $('panel').textContent = '请先点击“开始值班”后使用各项功能。'; return; }
      views[b.getAttribute('data-f')]();
    });
  });
})();
