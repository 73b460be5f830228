(function () {
  var PORT = location.port ? ':' + location.port : '';
  var API = location.protocol + '//api.sfj.corpus.test' + PORT;
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  setTimeout(function () {
    fetch(API + '/offices').then(function (r) { return r.json(); }).then(function (d) {
      $('offices').innerHTML = '<ul>' + d.items.map(function (x) { return '<li>' + esc(x) + '</li>'; }).join('') + '</ul>';
    });
  }, 2500);
  $('lf').addEventListener('submit', function (e) {
    e.preventDefault();
    var f = e.target;
    var body = { kind: f.kind.value, phone: f.phone.value, text: f.text.value };
    fetch(API + '/letters', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); }).then(function (d) {
        if (!d.ok) { $('lres').innerHTML = '<div class="box">' + esc(d.msg) + '</div>'; return; }
        $('lres').innerHTML = '<div class="box">来信已受理，信件编号：<b>' + esc(d.no) + '</b>\n请凭手机号和信件编号在“信件查询”中查看办理情况。</div>';
        document.querySelector('#qf [name=phone]').value = body.phone;
        document.querySelector('#qf [name=no]').value = d.no;
      });
  });
  function query(phone, no) {
    fetch(API + '/letters/query?phone=' + encodeURIComponent(phone) + '&no=' + encodeURIComponent(no))
      .then(function (r) { return r.json(); }).then(function (d) {
        if (!d.ok) { $('qres').innerHTML = '<div class="box">' + esc(d.msg) + '</div>'; return; }
        var l = d.letter;
        var h = '<div class="box">信件编号：' + esc(l.no) + '\n类别：' + esc(l.kind) + '\n来信内容：' + esc(l.text) +
          '\n办理状态：' + esc(l.status) + (l.reply ? '\n答复：' + esc(l.reply) : '\n答复：暂无，请稍后再查') +
          (l.rating ? '\n您的评价：' + esc(l.rating) : '') + '</div>';
        if (l.can_rate) {
          h += '<div class="lv">满意度评价：' + ['满意', '基本满意', '不满意'].map(function (v) {
            return '<button type="button" data-lv="' + v + '">' + v + '</button>'; }).join('') + '</div>';
        }
        $('qres').innerHTML = h;
        Array.prototype.forEach.call($('qres').querySelectorAll('[data-lv]'), function (b) {
          b.addEventListener('click', function () {
            fetch(API + '/letters/rate', { method: 'POST', headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ no: l.no, level: b.getAttribute('data-lv') }) })
              .then(function () { query(phone, no); });
          });
        });
      });
  }
  $('qf').addEventListener('submit', function (e) {
    e.preventDefault();
    query(e.target.phone.value.trim(), e.target.no.value.trim());
  });
})();
