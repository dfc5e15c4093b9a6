/* A "Copy" button beside a field (data-copy="#field-id"): shown only where the clipboard can
   be written; without it (or without JavaScript) the read-only field is selected by hand. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) { return; }
    button.classList.remove("d-none");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = "Copied";
      }, function () {
        field.select();  // not allowed: leave it selected for Ctrl+C
      });
    });
    field.addEventListener("focus", function () { field.select(); });
  });
})();
