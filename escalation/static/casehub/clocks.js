/* Countdowns: every <time data-due-at> that still counts ticks once a second. */
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function words(seconds) {
    var s = Math.abs(Math.round(seconds));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), r = s % 60;
    return (d ? d + "d " : "") + (d || h ? h + ":" : "") + pad(m) + ":" + pad(r);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-due-at]").forEach(function (clock) {
      var state = clock.dataset.clockState;
      if (state === "paused" || state === "met") return;
      var left = clock.querySelector(".clock-left");
      if (!left) return;
      var seconds = (Date.parse(clock.dataset.dueAt) - now) / 1000;
      left.textContent = seconds < 0 ? "−" + words(seconds) + " " + (left.dataset.overdue || "")
                                      : words(seconds);
      clock.classList.toggle("overdue", seconds < 0);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
