// Polls an import batch's status every second, moves its progress bar, and reloads the
// page once the import has finished (without JavaScript the page reloads itself).
(function () {
  var box = document.getElementById("import-status");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (batch) {
        var bar = document.getElementById("import-progress");
        if (bar) {
          bar.style.width = batch.progress + "%";
          bar.textContent = batch.progress + "%";
          bar.parentNode.setAttribute("aria-valuenow", batch.progress);
        }
        var state = document.getElementById("import-state");
        if (state) state.textContent = batch.status;
        if (batch.status !== "queued" && batch.status !== "running") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
