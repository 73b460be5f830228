(function () {
  var PORT = location.port ? ':' + location.port : '';
  var API = location.protocol + '//api.zjj.corpus.test' + PORT;
  var TILES = location.protocol + '//tiles.amap-proxy.corpus.test' + PORT;
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function j(u, o) { return fetch(API + u, o).then(function (r) { return r.json(); }); }

  $('map').innerHTML = [[0, 0], [1, 0], [0, 1], [1, 1]].map(function (t) {
    return '<img alt="" src="' + TILES + '/v3/tile/14/' + (13700 + t[0]) + '/' + (6700 + t[1]) + '.svg">';
  }).join('');

  $('hq').onclick = function () {
    var addr = $('addr').value.trim() || '东城区建设路12号';
    // "本地校验"：a synchronous busy loop that blocks the main thread for ~6 s
    var until = Date.now() + 6000, n = 0;
    while (Date.now() < until) { n += Math.sqrt(n + 1); }
    j('/house?addr=' + encodeURIComponent(addr)).then(function (d) {
      $('hres').textContent = '地址：' + d.addr + '\n安全等级：' + d.level + '\n建成年份：' + d.year + '\n最近鉴定：' + d.checked;
    });
  };

  j('/credit').then(function (d) {
    $('credit').innerHTML = d.items.map(function (x) { return '<li>' + esc(x.name) + '　信用分 ' + x.score + '</li>'; }).join('');
  });

  function loadList() {
    j('/complaints').then(function (d) {
      if (!d.items.length) { $('clist').textContent = '暂无投诉记录'; return; }
      $('clist').innerHTML = d.items.map(function (c) {
        return '<div class="it">受理编号：' + esc(c.no) + '\n小区：' + esc(c.community) + '\n内容：' + esc(c.text) + '\n状态：' + esc(c.status) +
          '\n答复：' + (c.reply ? esc(c.reply) : '办理中') + (c.rating ? '\n评价：' + esc(c.rating) : '') +
          (c.can_rate ? '<div class="lv">评价：' + ['满意', '基本满意', '不满意'].map(function (v) {
            return '<button data-no="' + esc(c.no) + '" data-lv="' + v + '">' + v + '</button>'; }).join('') + '</div>' : '') + '</div>';
      }).join('');
      Array.prototype.forEach.call($('clist').querySelectorAll('[data-lv]'), function (b) {
        b.onclick = function () {
          j('/complaints/rate', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ no: b.getAttribute('data-no'), level: b.getAttribute('data-lv') }) }).then(loadList);
        };
      });
    });
  }
  $('crefresh').onclick = loadList;
  $('qd').addEventListener('toggle', function () { if ($('qd').open) loadList(); });

  $('csend').onclick = function () {
    var text = $('ctext').value.trim();
    if (!text) { $('cmsg').textContent = '请填写投诉内容'; return; }
    var file = $('cphoto').files[0];
    function send(photo) {
      j('/complaints', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ community: $('community').value, text: text, photo: photo || '' }) })
        .then(function (d) {
          $('cmsg').textContent = d.ok ? '投诉已受理，受理编号：' + d.no + '，可在“投诉查询”查看进度。' : d.msg;
          if (d.ok) { $('ctext').value = ''; $('qd').open = true; loadList(); }
        });
    }
    if (file) { var r = new FileReader(); r.onload = function () { send(r.result); }; r.readAsDataURL(file); } else send('');
  };
})();
