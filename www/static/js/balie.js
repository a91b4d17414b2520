/* Balie: progressive enhancement only. Every page works without this file.
   (a) customer mode: warn before the idle reset, "I am still here" can be pressed again and again;
   (b) a second submit of the same form within one second is ignored;
   (c) staff mode: warn before the server-side session ends; "Stay signed in" posts to /session/extend;
   (d) elements with class js-only show (html.js); [data-print] prints the page;
   (e) waiting-room display: calls arrive live (Server-Sent Events) in the aria-live list #called-list;
   (f) remote support screens (#help-screen): messages arrive live, a change of state reloads the page, and a
       colleague's view of the session is refreshed in place without touching the forms.
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

  // (e) Waiting-room display. The server sends an event "called" with {"code": "B-12", "desk": "Balie 2"};
  // the number goes to the top of the list (at most 6; a recalled number moves up), built with DOM methods and
  // textContent only, in the same markup as pages/queue_display. The list is an aria-live region, so screen
  // readers announce the new item. EventSource reconnects by itself (sending Last-Event-ID). Without
  // EventSource, or when the server refuses the stream, the page reloads every data-refresh-seconds; without
  // JavaScript a <noscript> meta refresh does that.
  (function () {
    var box = document.getElementById ? document.getElementById('called-list') : null;
    if (!box || !box.querySelector) return;
    var url = box.getAttribute('data-events-url');
    var refresh = Number(box.getAttribute('data-refresh-seconds')) || 0;
    var reloading = false;
    function reloadLater() {
      if (reloading || !(refresh > 0)) return;
      reloading = true;
      window.setTimeout(function () { window.location.reload(); }, refresh * 1000);
    }
    if (!url || !window.EventSource || !window.JSON) { reloadLater(); return; }
    var maxItems = 6;
    var svgNS = 'http://www.w3.org/2000/svg';

    function span(className, text) {
      var element = document.createElement('span');
      element.className = className;
      if (text !== undefined) element.textContent = text;
      return element;
    }

    function item(code, desk) {
      var li = document.createElement('li');
      li.className = 'call';
      var number = document.createElement('bdi');
      number.className = 'call__code';
      number.textContent = code;
      li.appendChild(number);
      li.appendChild(document.createTextNode(' '));
      var where = span('call__where');
      var icons = box.getAttribute('data-icons');
      if (icons && document.createElementNS) {
        var svg = document.createElementNS(svgNS, 'svg');
        svg.setAttribute('class', 'icon icon-arrow');
        svg.setAttribute('aria-hidden', 'true');
        svg.setAttribute('focusable', 'false');
        var use = document.createElementNS(svgNS, 'use');
        use.setAttribute('href', icons + '#arrow-forward');
        svg.appendChild(use);
        where.appendChild(svg);
      }
      where.appendChild(span('call__go', box.getAttribute('data-go-to') || ''));
      where.appendChild(document.createTextNode(' '));
      var place = span('call__desk', desk);
      place.setAttribute('dir', 'auto');
      where.appendChild(place);
      li.appendChild(where);
      return li;
    }

    function show(code, desk) {
      var list = box.querySelector('.calls__list');
      if (!list) {
        list = document.createElement('ol');
        list.className = 'calls__list';
        var empty = box.querySelector('.calls__empty');
        if (empty && empty.parentNode) empty.parentNode.removeChild(empty);
        box.appendChild(list);
      }
      var codes = list.querySelectorAll('.call__code');
      for (var i = codes.length - 1; i >= 0; i -= 1) {
        var old = codes[i].parentNode;
        if (codes[i].textContent === code && old && old.parentNode === list) list.removeChild(old);
      }
      list.insertBefore(item(code, desk), list.firstChild);
      while (list.children.length > maxItems) list.removeChild(list.lastElementChild);
    }

    var source;
    try { source = new window.EventSource(url); } catch (e) { reloadLater(); return; }
    source.addEventListener('called', function (event) {
      var call = null;
      try { call = JSON.parse(event.data); } catch (e) { call = null; }
      if (!call || typeof call.code !== 'string' || call.code === '') return;
      show(call.code, call.desk == null ? '' : String(call.desk));
    }, false);
    // A refused stream (not 200, e.g. 503 when the server is full) closes for good: fall back to reloading.
    source.addEventListener('error', function () {
      if (source.readyState === window.EventSource.CLOSED) reloadLater();
    }, false);
  }());

  // (f) Remote support. The server sends "state" (the request changed: reload, the page shows what is next),
  // "message" ({"text", "at"}: appended to the aria-live list #help-messages with textContent only) and
  // "session" (the session changed: #live-session is fetched again and replaced, so typed text in the forms
  // stays). data-reload-on lists further event names that reload the page (the colleague's list of requests).
  // Without EventSource, or when the stream is refused, the page reloads every data-refresh-seconds; without
  // JavaScript a <noscript> meta refresh does that.
  (function () {
    var screen = document.getElementById ? document.getElementById('help-screen') : null;
    if (!screen || !screen.getAttribute) return;
    var url = screen.getAttribute('data-help-events');
    if (!url) return;
    var refresh = Number(screen.getAttribute('data-refresh-seconds')) || 0;
    var reloading = false;
    var leaving = false;
    var source = null;
    function reloadLater(seconds) {
      if (reloading) return;
      reloading = true;
      window.setTimeout(function () { if (!leaving) window.location.reload(); }, seconds * 1000);
    }
    // A form on this page is being sent (the answer, "Ik help", stop): the server's event about that very change
    // must not reload this page, for the reload would cancel the navigation to the page the form leads to.
    window.addEventListener('beforeunload', function () {
      leaving = true;
      if (source) source.close();
    }, false);
    // Back here from the back/forward cache: the stream is closed, so show the page afresh.
    window.addEventListener('pageshow', function (event) { if (event.persisted) window.location.reload(); }, false);
    if (!window.EventSource || !window.JSON) { if (refresh > 0) reloadLater(refresh); return; }
    try { source = new window.EventSource(url); } catch (e) { if (refresh > 0) reloadLater(refresh); return; }
    function reloadNow() { source.close(); reloadLater(0); }
    source.addEventListener('state', reloadNow, false);
    var extra = (screen.getAttribute('data-reload-on') || '').split(' ');
    for (var i = 0; i < extra.length; i += 1) { if (extra[i]) source.addEventListener(extra[i], reloadNow, false); }
    source.addEventListener('message', function (event) {
      var list = document.getElementById('help-messages');
      var message = null;
      try { message = JSON.parse(event.data); } catch (e) { message = null; }
      if (!list || !message || typeof message.text !== 'string') return;
      var empty = document.getElementById('help-messages-empty');
      if (empty && empty.parentNode) empty.parentNode.removeChild(empty);
      var li = document.createElement('li');
      li.className = 'help-message';
      var text = document.createElement('p');
      text.className = 'help-message__text';
      text.setAttribute('dir', 'auto');
      text.textContent = message.text;
      var when = document.createElement('p');
      when.className = 'help-message__when';
      var time = document.createElement('bdi');
      time.textContent = message.at == null ? '' : String(message.at);
      when.appendChild(time);
      li.appendChild(text);
      li.appendChild(when);
      list.appendChild(li);
    }, false);
    source.addEventListener('session', function () {
      var live = document.getElementById('live-session');
      if (!live || !window.fetch || !window.DOMParser) { reloadNow(); return; }
      window.fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html === null) return;
        var fresh = new window.DOMParser().parseFromString(html, 'text/html').getElementById('live-session');
        if (fresh) live.innerHTML = fresh.innerHTML; else reloadNow();
      }).catch(function () { reloadNow(); });
    }, false);
    source.addEventListener('error', function () {
      if (source.readyState === window.EventSource.CLOSED && refresh > 0) reloadLater(refresh);
    }, false);
  }());

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
        // A GET changes nothing on the server: the session is ended by a post.
        var form = d.getElementById('session-expired-form');
        if (form) form.submit(); else window.location.replace(expiredUrl);
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
      // The reset is a post (a GET changes nothing on the server); without the form, the reset page.
      var form = d.getElementById('idle-reset-form');
      if (form) form.submit(); else window.location.replace(resetUrl);
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
