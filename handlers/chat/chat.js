// Web chat: sends the visitor's messages to /chat/api/messages and polls
// the same path for what staff send back. Plain ES5 so that older phone
// browsers run it; replies are inserted as text, never as HTML.
(function () {
  'use strict';

  var API = '/chat/api/messages';
  var POLL_MS = 5000;
  // What the page says by itself comes with the page, from the server.
  var TEXTS = JSON.parse(document.getElementById('texts').textContent);

  var log = document.getElementById('log');
  var form = document.getElementById('composer');
  var input = document.getElementById('text');
  var region = document.getElementById('region');
  var button = document.getElementById('send');
  var cursor = '';

  try {
    var saved = window.localStorage.getItem('fd_region');
    if (saved) { region.value = saved; }
  } catch (e) { /* storage may be disabled */ }
  region.addEventListener('change', remember);

  function remember() {
    try { window.localStorage.setItem('fd_region', region.value); } catch (e) { /* ignore */ }
  }

  function add(kind, text, note) {
    var div = document.createElement('div');
    div.className = 'msg ' + kind;
    div.textContent = text;
    if (note) {
      var small = document.createElement('span');
      small.className = 'note';
      small.textContent = note;
      div.appendChild(small);
    }
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function newID() {
    var b = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(b);
    var s = 'w';
    for (var i = 0; i < b.length; i++) { s += ('0' + b[i].toString(16)).slice(-2); }
    return s;
  }

  function sourceNote(reply) {
    var c = reply.citations && reply.citations[0];
    if (!c) { return ''; }
    var doc = c.doc_title || c.doc;
    return '依据:' + doc + (c.item ? ' 第' + c.item + '项' : '');
  }

  function request(method, url, body) {
    var opts = { method: method, credentials: 'same-origin', headers: {} };
    if (body) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        return { status: r.status, body: b };
      });
    });
  }

  function showReply(reply) {
    if (reply.region && !region.value) { region.value = reply.region; remember(); }
    if (reply.silent) {
      add('bot', TEXTS.held);
      return;
    }
    add('bot', reply.reply, sourceNote(reply));
  }

  function send(ev) {
    ev.preventDefault();
    var text = input.value.replace(/^\s+|\s+$/g, '');
    if (!text) { return; }
    add('me', text);
    input.value = '';
    button.disabled = true;
    var pending = add('bot pending', TEXTS.pending);
    request('POST', API, { region: region.value, text: text, msg_id: newID() }).then(function (res) {
      log.removeChild(pending);
      if (res.status === 200) {
        showReply(res.body);
        return;
      }
      add('bot error', TEXTS[res.body.code] || TEXTS.failed);
    }, function () {
      log.removeChild(pending);
      add('bot error', TEXTS.offline);
    }).then(function () {
      button.disabled = false;
      input.focus();
    });
  }

  function poll() {
    var url = API + (cursor ? '?after=' + encodeURIComponent(cursor) : '');
    request('GET', url).then(function (res) {
      if (res.status !== 200) { return; }
      var msgs = res.body.messages || [];
      for (var i = 0; i < msgs.length; i++) {
        var m = msgs[i];
        if (m.from === 'staff') {
          add('staff', m.text, TEXTS.staff);
        } else {
          add('bot', m.text);
        }
      }
      if (res.body.cursor) { cursor = res.body.cursor; }
    }, function () { /* try again later */ }).then(function () {
      window.setTimeout(poll, POLL_MS);
    });
  }

  form.addEventListener('submit', send);
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { send(ev); }
  });
  poll();
}());
