// sanshe gate post. Decides with the server when it answers; when the network is gone, keeps
// each scan on this phone (localStorage) with an id made here, shows it as waiting, and sends
// it when the network returns. The server records an id once, so sending twice is harmless;
// it judges queued scans at their own time and flags any the phone let through wrongly.
(function () {
  'use strict';
  var root = document.getElementById('gate-post');
  if (!root) { return; }
  var gate = root.dataset.gate;
  var csrf = root.dataset.csrf;
  var feverTenths = Number(root.dataset.feverTenths || 373);
  var storeKey = 'sanshe-gate-queue-' + gate;
  var reasons = {};
  document.querySelectorAll('#reasons li').forEach(function (li) { reasons[li.dataset.reason] = li.textContent; });
  var form = document.getElementById('scan-form');
  var code = document.getElementById('code');
  var temp = document.getElementById('temperature');
  var result = document.getElementById('result');
  var net = document.getElementById('net');
  var count = document.getElementById('queue-count');
  var list = document.getElementById('queue');
  var flaggedList = document.getElementById('flagged');
  var token = null;

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function load() { try { return JSON.parse(localStorage.getItem(storeKey) || '[]'); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(storeKey, JSON.stringify(q)); render(); }
  function render() {
    var q = load();
    count.textContent = String(q.length);
    list.textContent = '';
    q.forEach(function (s) {
      var li = document.createElement('li');
      li.textContent = (s.pass_code || 'QR') + ' · ' + (root.dataset[s.direction] || s.direction) + ' · ' + s.temperature + '℃ · ' + new Date(s.scanned_at).toLocaleTimeString();
      list.appendChild(li);
    });
  }
  // The verdict stays at the top until the next scan: the reason, then whose pass it is.
  function show(kind, title, detail, out) {
    result.hidden = false;
    result.className = 'verdict ' + kind;
    result.textContent = title;
    var lines = [detail];
    if (out) {
      lines.push(out.holder ? root.dataset.holder + '：' + out.holder : '');
      lines.push(out.address || '');
      if (out.outings_left !== null && out.outings_left !== undefined) {
        lines.push(root.dataset.left.replace('{n}', String(out.outings_left)));
      }
    }
    lines.filter(Boolean).forEach(function (text) {
      var s = document.createElement('small'); s.textContent = text; result.appendChild(s);
    });
    result.scrollIntoView({ block: 'nearest' });
  }
  // A typing slip is the keypad's to point out beside the field, never a refusal at the gate.
  function fieldError(input, text) {
    var box = document.getElementById('scan-error-' + input.id);
    box.hidden = !text;
    box.textContent = text || '';
    if (text) { input.setAttribute('aria-invalid', 'true'); } else { input.removeAttribute('aria-invalid'); }
  }
  function checkTyped() {
    fieldError(code, ''); fieldError(temp, '');
    var ok = true;
    if (!token && !code.value.trim()) { fieldError(code, root.dataset.codeError); ok = false; }
    var t = temp.value.trim();
    var tenths = Math.round(parseFloat(t) * 10);
    if (!/^\d{2}(\.\d)?$/.test(t) || tenths < 340 || tenths > 430) {
      fieldError(temp, root.dataset.temperatureError); ok = false;
    }
    if (!ok) { result.hidden = true; (code.getAttribute('aria-invalid') ? code : temp).focus(); }
    return ok;
  }
  function setOnline(on) {
    net.className = 'net ' + (on ? 'online' : 'offline');
    net.textContent = on ? root.dataset.online : root.dataset.offline;
  }
  function send(scan) {
    return fetch('/gates/' + gate + '/scan', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(scan)
    }).then(function (r) {
      if (r.status === 201) { return r.json(); }
      if (r.status >= 400 && r.status < 500) {
        return r.json().then(function (p) { throw { rejected: true, problem: p }; });
      }
      throw new Error('server ' + r.status);
    });
  }
  function flag(scan, out) {
    var li = document.createElement('li');
    li.className = 'field-error';
    li.textContent = root.dataset.flagged + ' · ' + (scan.pass_code || 'QR') + ' · ' + (reasons[out.reason] || out.reason);
    flaggedList.appendChild(li);
  }
  var flushing = false;
  function flush() {
    if (flushing) { return; }
    var q = load();
    if (!q.length) { return; }
    flushing = true;
    var scan = q[0];
    send(scan).then(function (out) {
      save(load().filter(function (x) { return x.id !== scan.id; }));
      setOnline(true);
      if (out.flagged) { flag(scan, out); }
      flushing = false;
      flush();
    }, function (e) {
      flushing = false;
      if (e && e.rejected) {
        // The server will never take this one (bad input): drop it rather than block the queue.
        save(load().filter(function (x) { return x.id !== scan.id; }));
        flush();
      } else {
        setOnline(false);
      }
    });
  }
  function problemText(p) {
    if (p && p.errors && p.errors.length) { return p.errors.map(function (x) { return x.message; }).join('；'); }
    return (p && p.title) || '';
  }
  document.querySelectorAll('.key').forEach(function (k) {
    k.addEventListener('click', function () {
      var v = k.dataset.key;
      temp.value = v === '⌫' ? temp.value.slice(0, -1) : (temp.value + v).slice(0, 5);
    });
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!checkTyped()) { return; }
    var direction = form.querySelector('input[name=direction]:checked').value;
    var scan = {
      id: uuid(),
      gate_id: gate,
      direction: direction,
      temperature: temp.value,
      scanned_at: new Date().toISOString()
    };
    if (token) { scan.pass_token = token; } else { scan.pass_code = code.value; }
    var fever = Math.round(parseFloat(temp.value) * 10) >= feverTenths;
    function queue() {
      // Offline the phone can only judge the fever; the server re-checks the rest on arrival.
      scan.device_decision = fever ? 'refused' : 'allowed';
      var q = load(); q.push(scan); save(q);
      show('queued', fever ? root.dataset.refused : root.dataset.allowed, fever ? reasons.fever : root.dataset.offline);
      setOnline(false);
      reset();
    }
    function reset() { code.value = ''; temp.value = ''; token = null; fieldError(code, ''); fieldError(temp, ''); code.focus(); }
    if (!navigator.onLine) { queue(); return; }
    send(scan).then(function (out) {
      setOnline(true);
      show(out.decision, out.decision === 'allowed' ? root.dataset.allowed : root.dataset.refused, out.reason ? reasons[out.reason] : '', out);
      reset();
      flush();
    }, function (err) {
      if (err && err.rejected) {
        // The server found the input wrong: say so beside the fields, keep what was typed.
        var errors = (err.problem && err.problem.errors) || [];
        var placed = false;
        errors.forEach(function (x) {
          if (x.field === 'temperature') { fieldError(temp, x.message); placed = true; }
          if (x.field === 'pass_code') { fieldError(code, x.message); placed = true; }
        });
        if (!placed) { show('queued', problemText(err.problem), ''); }
      } else { queue(); }
    });
  });
  // The camera, where the browser can read QR codes itself; typing the code always works.
  var camera = document.getElementById('camera');
  var video = document.getElementById('preview');
  function startCamera() {
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            token = codes[0].rawValue; code.value = 'QR';
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true; temp.focus();
          } else { requestAnimationFrame(tick); }
        }, function () { requestAnimationFrame(tick); });
      };
      tick();
    }, function () { camera.hidden = true; });
  }
  // Shown only where this browser reads QR codes and the phone has a camera: elsewhere the
  // button would do nothing (desktop Chromium has the detector but no QR format).
  if ('BarcodeDetector' in window && window.BarcodeDetector.getSupportedFormats &&
      navigator.mediaDevices && navigator.mediaDevices.getUserMedia && navigator.mediaDevices.enumerateDevices) {
    Promise.all([window.BarcodeDetector.getSupportedFormats(), navigator.mediaDevices.enumerateDevices()])
      .then(function (found) {
        var qr = found[0].indexOf('qr_code') >= 0;
        var cam = found[1].some(function (d) { return d.kind === 'videoinput'; });
        if (qr && cam) {
          camera.hidden = false;
          camera.addEventListener('click', startCamera);
        }
      }, function () { /* no detector or no camera: typing the code works */ });
  }
  window.addEventListener('online', function () { setOnline(true); flush(); });
  window.addEventListener('offline', function () { setOnline(false); });
  setInterval(flush, 5000);
  setOnline(navigator.onLine);
  render();
  flush();
})();
