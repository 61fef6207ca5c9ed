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

  function staffOrBot(m) {
    if (m.from === 'staff') {
      add('staff', m.text, TEXTS.staff);
    } else {
      add('bot', m.text);
    }
  }

  // restore shows the conversation again after a reload: the exchanges
  // with the bot and what staff sent, in the order they happened, then
  // the requests still being handled. The cookie names the visitor.
  function restore() {
    Promise.all([request('GET', '/chat/api/history'), request('GET', API)]).then(function (res) {
      var h = res[0].status === 200 ? res[0].body : {};
      var out = res[1].status === 200 ? res[1].body : {};
      var items = [];
      var turns = h.turns || [];
      var msgs = out.messages || [];
      for (var i = 0; i < turns.length; i++) { items.push({ at: turns[i].at, turn: turns[i] }); }
      for (var j = 0; j < msgs.length; j++) { items.push({ at: msgs[j].time, msg: msgs[j] }); }
      items.sort(function (a, b) { return new Date(a.at) - new Date(b.at); });
      for (var k = 0; k < items.length; k++) {
        var it = items[k];
        if (it.turn) {
          add(it.turn.from === 'business' ? 'me' : 'bot', it.turn.text);
        } else {
          staffOrBot(it.msg);
        }
      }
      var open = h.tickets || [];
      if (open.length) {
        var lines = [TEXTS.open_tickets];
        for (var n = 0; n < open.length; n++) {
          var t = open[n];
          lines.push(t.id + ' ' + t.kind + ' · ' + t.status_text + (t.due ? ' · ' + TEXTS.due + ' ' + t.due.slice(0, 10) : ''));
        }
        add('bot tickets', lines.join('\n'));
      }
      if (out.cursor) { cursor = out.cursor; }
    }, function () { /* a fresh page then */ }).then(function () {
      window.setTimeout(poll, POLL_MS);
    });
  }

  function poll() {
    var url = API + (cursor ? '?after=' + encodeURIComponent(cursor) : '');
    request('GET', url).then(function (res) {
      if (res.status !== 200) { return; }
      var msgs = res.body.messages || [];
      for (var i = 0; i < msgs.length; i++) { staffOrBot(msgs[i]); }
      if (res.body.cursor) { cursor = res.body.cursor; }
    }, function () { /* try again later */ }).then(function () {
      window.setTimeout(poll, POLL_MS);
    });
  }

  form.addEventListener('submit', send);
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { send(ev); }
  });
  restore();
}());
