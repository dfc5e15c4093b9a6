/* An engagement menu marked data-date-field offers only the engagements active on the
   form's date: each option carries data-starts and data-ends (empty: open-ended), and the
   server renders those not active on the date it knows as disabled and hidden. When the
   date changes, the options follow; a choice no longer open is cleared, so the form never
   sends what it would refuse. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-date-field]").forEach(function (menu) {
    var form = menu.form;
    var date = form && form.querySelector("input[name$='" + menu.dataset.dateField + "']");
    if (!date) { return; }
    function follow() {
      var day = date.value;  // yyyy-mm-dd from a date input: compares as text
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) { return; }
      Array.prototype.forEach.call(menu.options, function (option) {
        if (!option.dataset.starts) { return; }
        var open = option.dataset.starts <= day &&
          (!option.dataset.ends || day <= option.dataset.ends);
        option.disabled = !open;
        option.hidden = !open;
        if (!open && option.selected) { menu.value = ""; }
      });
    }
    date.addEventListener("change", follow);
    date.addEventListener("input", follow);
  });
})();
