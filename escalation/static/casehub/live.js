/* CaseHub live updates: one small socket client, no build step.
 *
 * <body data-live-streams="/ws/workbench/ /ws/cases/42/" data-last-event="123"> names the
 * streams a page follows. Each socket reconnects with back-off and resumes from the last
 * event_id it saw (?last_event_id=), so nothing is missed; <body data-live> says
 * connecting | connected | offline, and a banner shows while offline. Every event becomes
 * a DOM event on <body> named after its object ("case:42", "task:7", "department:tech",
 * "presence:42", "knowledge", "knowledge-request:5", "knowledge-requests", "cases",
 * "tasks"); panels say what refreshes them with
 * hx-trigger="case:42 from:body". Nothing here knows a page's layout.
 */
(function () {
  "use strict";
  var body = document.body;
  var streams = (body.dataset.liveStreams || "").split(/\s+/).filter(Boolean);
  var seen = new Set();
  var sockets = {};
  var PING_MS = 25000;
  var MAX_DELAY_MS = 15000;

  // A panel refreshes on its events (hx-trigger="case:42 from:body"); one that is already
  // loading queues the refresh on itself, and a panel swapped outerHTML is gone by the time
  // the queued refresh would run. So what arrives while any panel loads is said again once
  // every panel has loaded: the last state is always fetched.
  var loading = 0;
  var heardWhileLoading = {};

  function emit(name, detail) {
    if (loading > 0) heardWhileLoading[name] = detail;
    body.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function isPanelRefresh(event) {
    var elt = event.detail.elt;
    return elt.hasAttribute && elt.hasAttribute("data-live-panel") &&
      event.detail.requestConfig && event.detail.requestConfig.verb === "get";
  }

  function setLive() {
    var states = streams.map(function (path) { return sockets[path].state; });
    var live = "connected";
    if (states.indexOf("offline") >= 0) live = "offline";
    else if (states.indexOf("connecting") >= 0) live = "connecting";
    body.dataset.live = live;
    var banner = document.getElementById("live-banner");
    if (banner) banner.hidden = live !== "offline";
  }

  function toast(text, caseId) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement(caseId ? "a" : "div");
    item.className = "toast";
    item.textContent = text;  // text, never HTML
    if (caseId) item.href = "/cases/" + caseId + "/";
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
    var count = document.getElementById("unread-count");
    if (count) {
      var unread = (parseInt(count.dataset.unread, 10) || 0) + 1;
      count.dataset.unread = unread;
      count.textContent = unread;
    }
  }

  function handle(message) {
    if (!message || message.type === "pong") return;
    // The same case event arrives on two streams (a case's room and the workbench): once.
    // Event ids count per kind of stream, so a knowledge event is never taken for a case
    // event; and an answer's event comes again, same id, when its hot flag changes.
    if (message.event_id && message.type && message.type.indexOf("knowledge") !== 0) {
      var key = message.type + ":" + message.event_id;
      if (seen.has(key)) return;
      seen.add(key);
    }
    if (message.type === "case.updated") {
      var payload = message.payload || {};
      emit("case:" + message.id, message);
      emit("cases", message);
      if (payload.task) emit("task:" + payload.task, message);
      if (payload.department) emit("department:" + payload.department, message);
      (payload.tasks || []).forEach(function (task) {
        emit("task:" + task.task, message);
        emit("department:" + task.department, message);
      });
      if (payload.tasks || payload.task) emit("tasks", message);
    } else if (message.type === "notification") {
      toast(message.text, message.case);
      emit("notifications", message);
    } else if (message.type === "presence") {
      emit("presence:" + message.id, message);
    } else if (message.type === "task_group.opened") {
      emit("tasks", message);
    } else if (message.type === "knowledge.request") {
      emit("knowledge-request:" + message.id, message);
      emit("knowledge-requests", message);
    } else if (message.type && message.type.indexOf("knowledge") === 0) {
      emit("knowledge", message);
    } else if (message.type) {
      emit(message.type, message);
    }
  }

  function connect(path) {
    var stream = sockets[path];
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + path + "?last_event_id=" + stream.last;
    if (path.indexOf("/ws/cases/") === 0) url += "&presence=1";  // count me as looking
    var socket = new WebSocket(url);
    var opened = false;
    stream.socket = socket;
    socket.onopen = function () {
      opened = true;
      stream.state = "connected";
      stream.attempts = 0;
      setLive();
      stream.ping = setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      }, PING_MS);
    };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.event_id && message.event_id > stream.last) stream.last = message.event_id;
      handle(message);
    };
    socket.onclose = function (event) {
      clearInterval(stream.ping);
      stream.state = "offline";
      setLive();
      if (event.code === 4401 || event.code === 4403) return;  // not allowed: don't retry
      var delay = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, stream.attempts));
      stream.attempts += 1;
      delay = delay / 2 + Math.random() * delay / 2;
      setTimeout(function () { connect(path); }, opened ? 250 : delay);
    };
  }

  var start = parseInt(body.dataset.lastEvent || "0", 10) || 0;
  streams.forEach(function (path) {
    sockets[path] = { state: "connecting", attempts: 0, last: start };
  });
  if (streams.length) {
    setLive();
    streams.forEach(connect);
  }

  // A panel being typed into is not replaced by a live refresh; it refreshes after the post.
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-track-dirty]");
    if (form) form.dataset.dirty = "1";
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute && elt.hasAttribute("data-live-panel") && elt.tagName !== "FORM" &&
        elt.querySelector("form[data-dirty]") && event.detail.requestConfig.verb === "get") {
      event.preventDefault();
    }
  });

  // Counted on the request itself: a panel swapped outerHTML is out of the document by the
  // time htmx says the request ended, so its events never reach this one. A panel counts as
  // loading until htmx has settled its new content: htmx swaps the response in when it
  // arrives but only starts the new element's listeners when it settles (20 ms later), and
  // an event in between reaches neither the old element nor the new one.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.defaultPrevented || !isPanelRefresh(event) || !event.detail.xhr) return;
    loading += 1;
    var settled = ((window.htmx && htmx.config.defaultSettleDelay) || 20) + 30;
    event.detail.xhr.addEventListener("loadend", function () {
      setTimeout(function () {
        loading -= 1;
        if (loading > 0) return;
        var again = heardWhileLoading;
        heardWhileLoading = {};
        Object.keys(again).forEach(function (name) { emit(name, again[name]); });
      }, settled);
    });
  });

  // The language switcher submits on change; its button is for people without scripts.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.documentElement.classList.add("js");

  // The text a person would read in an element, line breaks kept, even while it is hidden
  // (a closed <details> renders nothing, so its own innerText is empty): read a rendered
  // copy placed out of sight.
  function readableText(source) {
    var copy = source.cloneNode(true);
    copy.removeAttribute("id");
    copy.setAttribute("aria-hidden", "true");
    copy.style.cssText = "position:fixed;left:-10000px;top:0;width:40em";
    body.appendChild(copy);
    var text = copy.innerText;
    copy.remove();
    return text.trim();
  }

  // Copy an answer into the clipboard (the knowledge panel).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(readableText(source)).then(function () {
      button.textContent = button.dataset.copied || button.textContent;
    });
  });
})();
