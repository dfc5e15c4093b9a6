/* Ticks the running timer on /time/. The server renders the elapsed time at page load;
   this only advances it, from the browser's monotonic clock (immune to a wrong system
   clock). Without JavaScript the page still says when the timer started. */
(function () {
  "use strict";
  var loadedAt = performance.now();
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll("[data-timer-elapsed-seconds]").forEach(function (box) {
    var base = parseInt(box.getAttribute("data-timer-elapsed-seconds"), 10) || 0;
    var display = box.querySelector("[data-timer-elapsed]");
    if (!display) { return; }
    function tick() {
      var s = base + Math.floor((performance.now() - loadedAt) / 1000);
      display.textContent = Math.floor(s / 3600) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
    }
    tick();
    window.setInterval(tick, 1000);
  });
})();
