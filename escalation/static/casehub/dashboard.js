/* The war report re-fetches its figures after live events: at most once a second however
 * many arrive, and always once more after the last of a burst. */
(function () {
  "use strict";
  var body = document.body;
  var last = 0;
  var pending = null;
  var MIN_MS = 1000;

  function refresh() {
    pending = null;
    last = Date.now();
    var report = document.getElementById("war-report");
    if (report && window.htmx) window.htmx.trigger(report, "refresh");
  }

  body.addEventListener("cases", function () {
    if (pending) return;
    pending = setTimeout(refresh, Math.max(0, last + MIN_MS - Date.now()));
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-fullscreen]");
    if (button && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen();
    }
  });
})();
