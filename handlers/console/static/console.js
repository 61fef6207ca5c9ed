// 有呼必应工作台: live updates over Server-Sent Events and small comforts.
// The pages work without this script; it only saves reloading.
(function () {
  "use strict";

  function toast(html) {
    var box = document.getElementById("live");
    if (!box) return;
    box.innerHTML = html;
    box.hidden = false;
  }

  function escapeText(s) {
    var d = document.createElement("div");
    d.textContent = s;
    return d.innerHTML;
  }

  // Refresh the queue's rows in place, keeping the current filters.
  var refreshing = false;
  function refreshQueue() {
    var queue = document.getElementById("queue");
    if (!queue || refreshing) return;
    refreshing = true;
    fetch("/console/queue" + window.location.search, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { queue.innerHTML = html; })
      .catch(function () {})
      .then(function () { refreshing = false; });
  }

  function onTicket(ev) {
    var data;
    try { data = JSON.parse(ev.data); } catch (err) { return; }
    var page = document.querySelector("[data-ticket-page]");
    if (page) {
      if (page.getAttribute("data-ticket-page") === data.ticket) {
        toast('此工单有更新 <a href="' + window.location.pathname + '">刷新</a>');
      }
      return;
    }
    if (document.getElementById("queue")) {
      refreshQueue();
      if (data.event === "opened") {
        toast("新工单 " + escapeText(data.ticket) + " 已到达");
      }
    }
  }

  function connect() {
    if (!window.EventSource || document.body.getAttribute("data-live") !== "on") return;
    var es = new EventSource("/console/events");
    es.addEventListener("ticket", onTicket);
  }

  document.addEventListener("DOMContentLoaded", connect);
})();
