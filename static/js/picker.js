/* A searchable list of boxes to tick ([data-picker], templates/reports/_recipients.html):
   typing in its search box shows only the people whose name holds what was typed (case
   and accents ignored); ticked boxes stay ticked, hidden or not, and a line says how many
   are chosen. Without JavaScript the search box stays hidden and the whole list shows. */
(function () {
  "use strict";
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var search = picker.querySelector("[data-picker-search]");
    var items = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-item]"));
    var none = picker.querySelector("[data-picker-none]");
    var count = picker.querySelector("[data-picker-count]");
    if (!search) { return; }
    search.hidden = false;
    function counted() {
      var chosen = picker.querySelectorAll("input[type=checkbox]:checked").length;
      count.textContent = chosen === 1 ? "1 person chosen. " : chosen + " people chosen. ";
    }
    search.addEventListener("input", function () {
      var wanted = plain(search.value);
      var shown = 0;
      items.forEach(function (item) {
        var match = !wanted || plain(item.textContent).indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      none.hidden = shown > 0;
    });
    // Enter in the search box must not send the form half-filled.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    picker.addEventListener("change", counted);
    counted();
  });
})();
