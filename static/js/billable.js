/* Client work is billable by default and other kinds never are: on a form marked
   data-billable-follows-kind, the Billable box follows the Kind menu until the person ticks
   or unticks it themselves. Without JavaScript the server applies the same rule to other
   kinds, and a client entry keeps the box as it was sent. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-billable-follows-kind]").forEach(function (form) {
    var kind = form.querySelector("select[name$='kind']");
    var billable = form.querySelector("input[type=checkbox][name$='billable']");
    if (!kind || !billable) { return; }
    var chosen = false;
    billable.addEventListener("change", function () { chosen = true; });
    kind.addEventListener("change", function () {
      if (kind.value !== "client") {
        billable.checked = false;
      } else if (!chosen) {
        billable.checked = true;
      }
    });
  });
})();
