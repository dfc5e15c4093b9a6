// Polls a report run's status and reloads the page once it has finished.
(function () {
  var box = document.getElementById("run-status");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (run) {
        var bar = document.getElementById("run-progress");
        if (bar) { bar.style.width = run.progress + "%"; bar.textContent = run.progress + "%"; }
        var state = document.getElementById("run-state");
        if (state) state.textContent = run.status;
        if (run.status === "done" || run.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
