(function () {
  var API = location.protocol + '//api.tyj.corpus.test' + (location.port ? ':' + location.port : '');
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function j(u, o) { return fetch(API + u, o).then(function (r) { return r.json(); }); }

  Array.prototype.forEach.call(document.querySelectorAll('.seg button'), function (b) {
    b.onclick = function () {
      Array.prototype.forEach.call(document.querySelectorAll('.seg button'), function (x) { x.classList.toggle('on', x === b); });
      Array.prototype.forEach.call(document.querySelectorAll('.pane'), function (p) { p.classList.toggle('on', p.id === b.getAttribute('data-p')); });
      if (b.getAttribute('data-p') === 'fb') loadFb();
    };
  });

  function loadRank() {
    j('/ranking').then(function (d) {
      $('rank').innerHTML = d.items.map(function (x) { return '<li>' + esc(x.name) + ' 连续打卡 ' + x.days + ' 天</li>'; }).join('');
    });
  }
  $('doCheck').onclick = function () {
    j('/checkin', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then(function (d) {
      $('ov').style.display = 'none';
      $('dakaInfo').textContent = '今日已打卡，已连续打卡 ' + d.days + ' 天，累计积分 ' + d.points;
      loadRank();
    });
  };
  loadRank();

  j('/venues').then(function (d) {
    $('venues').innerHTML = d.items.map(function (v) { return esc(v.name) + '　开放时间 ' + esc(v.open); }).join('<br>');
  });
  setInterval(function () {
    $('live').textContent = window.venueFeed.current();   // venueFeed is never defined: TypeError every 2 s
  }, 2000);

  var m = /Chrome\/(\d+)/.exec(navigator.userAgent);
  if (!m || +m[1] < 200) {
    $('matchBox').innerHTML = '<b>赛事报名</b><p>您的浏览器版本过低，请升级至 Chrome 200 以上版本后再使用赛事报名功能。</p>';
  } else {
    $('matchBox').innerHTML = '<b>赛事报名</b><p>2027 南江半程马拉松 报名中</p>';
  }

  $('fbSend').onclick = function () {
    var text = $('fbText').value.trim();
    if (!text) { $('fbMsg').textContent = '请填写反馈内容'; return; }
    var file = $('fbShot').files[0];
    function send(shot) {
      j('/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: text, shot: shot || '' }) })
        .then(function (d) {
          $('fbMsg').textContent = d.ok ? '提交成功，反馈编号：' + d.no : d.msg;
          if (d.ok) { $('fbText').value = ''; loadFb(); }
        });
    }
    if (file) { var r = new FileReader(); r.onload = function () { send(r.result); }; r.readAsDataURL(file); } else send('');
  };
  function loadFb() {
    j('/feedback').then(function (d) {
      $('fbList').innerHTML = d.items.length ? d.items.map(function (f) {
        return '<div class="box">反馈编号：' + esc(f.no) + '\n内容：' + esc(f.text) + '\n状态：' + esc(f.status) + '\n回复：' + (f.reply ? esc(f.reply) : '暂无') + '</div>';
      }).join('') : '暂无';
    });
  }
})();
