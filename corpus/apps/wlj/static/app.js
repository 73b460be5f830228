(function () {
  var API = location.protocol + '//api.wlj.corpus.test' + (location.port ? ':' + location.port : '');
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
  function j(u, o) { return fetch(API + u, o).then(function (r) { return r.json(); }); }

  var m = /Chrome\/(\d+)/.exec(navigator.userAgent);
  if (m && +m[1] < 80) {
    document.body.innerHTML = '<p style="padding:24px">Please upgrade your browser to use this service.</p>';
    return;
  }

  setTimeout(function () {
    j('/site').then(function (d) {
      $('foot').innerHTML = 'Sponsor: ' + esc(d.sponsor) + '<br>Filing No. ' + esc(d.filing);
    });
  }, 2000);

  function home() {
    $('view').innerHTML = '<div class="card"><b>Weather</b>\n<span id="wx">loading…</span></div>' +
      '<div class="card"><b>Popularity ranking</b><ol id="spots"></ol></div>' +
      '<div class="card"><b>Nearest spot</b>\n<span id="near">Tap to find the nearest scenic spot.</span>\n<button id="locate">Locate me</button></div>';
    j('/weather').then(function (d) { if (!d.ok) throw new Error(d.msg); $('wx').textContent = d.text; })
      .catch(function (e) { console.warn('weather unavailable', e.message); $('wx').textContent = 'Weather unavailable'; });
    j('/spots').then(function (d) {
      var spots = d.items.slice().sort(function (a, b) { return b.visitors - a.visitors; });
      $('spots').innerHTML = spots.map(function (s) { return '<li>' + esc(s.name) + ' — ' + s.visitors + ' visitors</li>'; }).join('');
      $('locate').onclick = function () {
        if (!navigator.geolocation) { $('near').textContent = 'Location unavailable'; return; }
        navigator.geolocation.getCurrentPosition(function (p) {
          var best = spots[0], bd = 1e9;
          spots.forEach(function (s) { var dd = Math.pow(s.lat - p.coords.latitude, 2) + Math.pow(s.lng - p.coords.longitude, 2); if (dd < bd) { bd = dd; best = s; } });
          $('near').textContent = 'Nearest: ' + best.name;
        }, function () { $('near').textContent = 'Location permission denied'; });
      };
    });
  }
  function feedback() {
    $('view').innerHTML = '<div class="card"><b>Feedback</b>\n<label>Topic<select id="topic"><option>Complaint</option><option>Suggestion</option><option>Question</option></select></label>' +
      '<label>Your message<textarea id="text" rows="5" placeholder="Describe your issue"></textarea></label>' +
      '<label>Phone (optional)<input id="phone" type="tel"></label><button id="send">Submit</button><p id="msg"></p></div>';
    $('send').onclick = function () {
      if (!$('text').value.trim()) { $('msg').textContent = 'Please describe your issue.'; return; }
      var dlg = $('confirm');
      dlg.returnValue = '';
      dlg.onclose = function () {
        if (dlg.returnValue !== 'ok') return;
        j('/cases', { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ topic: $('topic').value, text: $('text').value, phone: $('phone').value }) })
          .then(function (d) {
            $('msg').textContent = d.ok ? 'Submitted. Case No. ' + d.no + ' — see My cases for progress.' : d.msg;
            if (d.ok) $('text').value = '';
          });
      };
      dlg.showModal();
    };
  }
  function cases() {
    $('view').innerHTML = '<div class="card"><b>My cases</b><div id="list">loading…</div></div>';
    j('/cases').then(function (d) {
      if (!d.items.length) { $('list').textContent = '\nNo cases yet.'; return; }
      $('list').innerHTML = d.items.map(function (c) {
        return '<div class="card">Case No. ' + esc(c.no) + '\nTopic: ' + esc(c.topic) + '\nMessage: ' + esc(c.text) + '\nStatus: ' + esc(c.status) +
          '\nReply: ' + (c.reply ? esc(c.reply) : 'pending') + (c.rating ? '\nYour rating: ' + esc(c.rating) + ' / 5' : '') +
          (c.can_rate ? '<div class="stars">Rate: ' + [1, 2, 3, 4, 5].map(function (n) {
            return '<button data-no="' + esc(c.no) + '" data-s="' + n + '">' + n + '★</button>'; }).join('') + '</div>' : '') + '</div>';
      }).join('');
      Array.prototype.forEach.call($('list').querySelectorAll('[data-s]'), function (b) {
        b.onclick = function () {
          j('/cases/rate', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ no: b.getAttribute('data-no'), stars: b.getAttribute('data-s') }) }).then(cases);
        };
      });
    });
  }
  var views = { home: home, feedback: feedback, cases: cases };
  function route() {
    var v = (location.hash || '#home').slice(1);
    if (!views[v]) v = 'home';
    Array.prototype.forEach.call(document.querySelectorAll('nav a'), function (a) { a.classList.toggle('on', a.getAttribute('data-v') === v); });
    views[v]();
  }
  window.addEventListener('hashchange', route);
  route();
})();
