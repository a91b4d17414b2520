/* Balie: progressive enhancement only. Every page works without this file.
   (a) customer mode: warn before the idle reset, "I am still here" can be pressed again and again;
   (b) a second submit of the same form within one second is ignored;
   (c) staff mode: warn before the server-side session ends; "Stay signed in" posts to /session/extend;
   (d) elements with class js-only show (html.js); [data-print] prints the page.
   Without this file the server's session timeout still applies. */
(function () {
  'use strict';
  // (d) Script-only controls (class "js-only", hidden by default) show once this file runs;
  // a [data-print] button prints the page (the take-home summary).
  var root = document.documentElement;
  if (root.classList) root.classList.add('js');
  if (document.addEventListener) {
    document.addEventListener('click', function (event) {
      var target = event.target;
      var button = target && target.closest ? target.closest('[data-print]') : null;
      if (button && typeof window.print === 'function') window.print();
    }, false);
  }
  if (!('querySelector' in document) || !window.HTMLDialogElement || !document.addEventListener) return;
  var d = document;

  // (b) No double submit.
  d.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || form.nodeName !== 'FORM' || form.getAttribute('method') === 'dialog') return;
    var now = Date.now();
    var last = Number(form.getAttribute('data-submitted-at')) || 0;
    if (now - last < 1000) {
      event.preventDefault();
      return;
    }
    form.setAttribute('data-submitted-at', String(now));
  }, false);

  var body = d.body;

  function pluralText(element, count, placeholder) {
    var rules = null;
    try { rules = new Intl.PluralRules(d.documentElement.lang); } catch (e) { rules = null; }
    var category = rules ? rules.select(count) : (count === 1 ? 'one' : 'other');
    var text = element.getAttribute('data-' + category) || element.getAttribute('data-other') || '';
    return text.replace('{' + placeholder + '}', String(count));
  }

  // (c) Session expiry warning. The deadline is counted from page load: only a request to the
  // server extends the session, so activity on the page does not move it.
  (function () {
    var seconds = Number(body.getAttribute('data-session-seconds'));
    var warnFor = Number(body.getAttribute('data-session-warn-seconds'));
    var expiredUrl = body.getAttribute('data-session-expired-url');
    var box = d.getElementById('session-dialog');
    var counter = d.getElementById('session-countdown');
    if (!(seconds > 0) || !expiredUrl || !box || !counter || typeof box.showModal !== 'function') return;
    if (!(warnFor > 0) || warnFor > seconds) warnFor = Math.min(120, seconds);
    var end = Date.now() + seconds * 1000;
    var timer = null;

    function update() {
      var left = Math.ceil((end - Date.now()) / 1000);
      if (left <= 0) {
        window.clearInterval(timer);
        window.location.replace(expiredUrl);
        return;
      }
      var text = pluralText(counter, left, 'seconds');
      if (counter.textContent !== text) counter.textContent = text;
      if (left <= warnFor && !box.open && !box.hasAttribute('data-dismissed')) box.showModal();
    }

    // Escape closes the dialog; the countdown still runs and ends on the expired page.
    box.addEventListener('close', function () { box.setAttribute('data-dismissed', ''); });
    timer = window.setInterval(update, 250);
    update();
  }());

  // (a) Idle warning.
  var total = Number(body.getAttribute('data-idle-seconds'));
  var warn = Number(body.getAttribute('data-idle-warn-seconds'));
  var resetUrl = body.getAttribute('data-idle-reset-url');
  var dialog = d.getElementById('idle-dialog');
  var countdown = d.getElementById('idle-countdown');
  if (!(total > 0) || !resetUrl || !dialog || !countdown || typeof dialog.showModal !== 'function') return;
  if (!(warn > 0) || warn > total) warn = Math.min(30, total);

  var rules = null;
  try { rules = new Intl.PluralRules(d.documentElement.lang); } catch (e) { rules = null; }
  var idleTimer = null;
  var tickTimer = null;
  var deadline = 0;

  function sentence(seconds) {
    var category = rules ? rules.select(seconds) : (seconds === 1 ? 'one' : 'other');
    var text = countdown.getAttribute('data-' + category) || countdown.getAttribute('data-other') || '';
    return text.replace('{seconds}', String(seconds));
  }

  function tick() {
    var left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) {
      window.clearInterval(tickTimer);
      window.location.replace(resetUrl);
      return;
    }
    var text = sentence(left);
    if (countdown.textContent !== text) countdown.textContent = text;
  }

  function showWarning() {
    deadline = Date.now() + warn * 1000;
    tick();
    if (!dialog.open) dialog.showModal();
    window.clearInterval(tickTimer);
    tickTimer = window.setInterval(tick, 250);
  }

  function restart() {
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(showWarning, (total - warn) * 1000);
  }

  function activity() {
    if (!dialog.open) restart();
  }

  ['pointerdown', 'keydown', 'touchstart', 'wheel', 'scroll', 'input'].forEach(function (type) {
    d.addEventListener(type, activity, { capture: true, passive: true });
  });

  // Any way of closing the dialog (the button, the Escape key) means "I am still here".
  dialog.addEventListener('close', function () {
    window.clearInterval(tickTimer);
    restart();
  });

  restart();
}());
