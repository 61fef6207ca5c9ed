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

  // Update a ticket's page in place: status, handler, thread and clocks
  // come from the server rendered, each in a <template data-part>; the
  // forms are left alone, so nothing being typed is lost.
  var updating = false;
  function refreshTicket(id) {
    if (updating) return;
    updating = true;
    fetch("/console/tickets/" + encodeURIComponent(id) + "/live", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var parts = box.querySelectorAll("template[data-part]");
        for (var i = 0; i < parts.length; i++) {
          var el = document.getElementById(parts[i].getAttribute("data-part"));
          if (el) el.innerHTML = parts[i].innerHTML;
        }
      })
      .catch(function () {
        toast('此工单有更新 <a href="' + window.location.pathname + '">刷新</a>');
      })
      .then(function () { updating = false; });
  }

  // The dashboard's figures: fetched again every minute (clocks move on
  // their own) and a few seconds after a ticket changes.
  var dashTimer = null;
  function refreshDashboard() {
    var box = document.getElementById("dashboard-figures");
    if (!box) return;
    fetch(box.getAttribute("data-live-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () {});
  }
  function soonDashboard() {
    if (dashTimer) return;
    dashTimer = setTimeout(function () { dashTimer = null; refreshDashboard(); }, 3000);
  }

  function onTicket(ev) {
    var data;
    try { data = JSON.parse(ev.data); } catch (err) { return; }
    var page = document.querySelector("[data-ticket-page]");
    if (page) {
      if (page.getAttribute("data-ticket-page") === data.ticket) {
        refreshTicket(data.ticket);
      }
      return;
    }
    if (document.getElementById("dashboard-figures")) {
      soonDashboard();
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

  document.addEventListener("DOMContentLoaded", function () {
    connect();
    if (document.getElementById("dashboard-figures")) {
      setInterval(refreshDashboard, 60000);
    }
  });
})();
