/* Searchable menus (tracker/pickers.py), progressive enhancement: without JavaScript each
   works as a plain form control.

   1. A list of boxes to tick ([data-picker], templates/reports/_recipients.html): typing
      in its search box shows only the people whose name holds what was typed (case and
      accents ignored); ticked boxes stay ticked, hidden or not, and a line says how many
      are chosen. With [data-options-url] (too many people to list) the search asks the
      options endpoint and adds a box for each person found.
   2. A menu too long to list ([data-picker-menu], tracker.widgets.PickerSelect): its text
      box becomes a combobox fed by the options endpoint (/options/<kind>/?q=): arrow keys
      move, Enter or a click chooses, Escape closes; the chosen option is written into the
      hidden <select>, which is what the form sends. */
(function () {
  "use strict";
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  function fetchOptions(url, text, done) {
    var address = url + "?limit=20&q=" + encodeURIComponent(text);
    fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [], more: false }; })
      .then(done)
      .catch(function () { done({ results: [], more: false }); });
  }
  function debounced(action) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(action, 150);
    };
  }

  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var search = picker.querySelector("[data-picker-search]");
    var list = picker.querySelector("[data-picker-list]");
    var none = picker.querySelector("[data-picker-none]");
    var empty = picker.querySelector("[data-picker-empty]");
    var count = picker.querySelector("[data-picker-count]");
    var url = picker.getAttribute("data-options-url");
    if (!search) { return; }
    search.hidden = false;
    function items() {
      return Array.prototype.slice.call(picker.querySelectorAll("[data-picker-item]"));
    }
    function counted() {
      var chosen = picker.querySelectorAll("input[type=checkbox]:checked").length;
      count.textContent = chosen === 1 ? "1 person chosen. " : chosen + " people chosen. ";
    }
    function filtered() {
      var wanted = plain(search.value);
      var shown = 0;
      items().forEach(function (item) {
        var box = item.querySelector("input");
        var match = !wanted || plain(item.textContent).indexOf(wanted) !== -1 || (url && box.checked);
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      none.hidden = shown > 0 || !wanted;
    }
    function added(result) {
      var name = picker.getAttribute("data-picker-name");
      var id = "picker-" + name + "-" + result.id;
      if (document.getElementById(id)) { return; }
      var item = document.createElement("div");
      item.className = "form-check";
      item.setAttribute("data-picker-item", "");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.className = "form-check-input";
      box.name = name;
      box.value = String(result.id);
      box.id = id;
      var label = document.createElement("label");
      label.className = "form-check-label";
      label.htmlFor = id;
      label.textContent = result.label;
      item.appendChild(box);
      item.appendChild(label);
      list.insertBefore(item, none);
    }
    search.addEventListener("input", url ? debounced(function () {
      var text = search.value.trim();
      if (!text) { filtered(); return; }
      fetchOptions(url, text, function (body) {
        body.results.forEach(added);
        if (empty) { empty.hidden = true; }
        filtered();
      });
    }) : filtered);
    // Enter in the search box must not send the form half-filled.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    picker.addEventListener("change", counted);
    counted();
  });

  var menus = 0;
  document.querySelectorAll("[data-picker-menu]").forEach(function (menu) {
    var input = menu.querySelector("[data-picker-input]");
    var select = menu.querySelector("select");
    var help = menu.querySelector("[data-picker-help]");
    var url = menu.getAttribute("data-options-url");
    if (!input || !select) { return; }
    menus += 1;
    var emptyLabel = select.options.length && select.options[0].value === "" ? select.options[0].text : "";
    var list = document.createElement("ul");
    list.id = "picker-list-" + menus;
    list.className = "picker-list list-group shadow-sm";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = document.querySelector("label[for='" + select.id + "']");
    if (label) {
      label.id = label.id || "picker-label-" + menus;
      list.setAttribute("aria-labelledby", label.id);
      label.htmlFor = input.id;  // a click on the label goes to the text box
    }
    input.removeAttribute("name");  // the <select> carries the choice
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.placeholder = emptyLabel || input.placeholder;
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    if (help) {
      help.textContent = "Type part of a name, then choose with the arrow keys and Enter.";
      help.classList.add("visually-hidden");  // said to screen readers; seen, the list says it
    }
    menu.insertBefore(list, input.nextSibling);
    var options = [];
    var active = -1;

    function chosenLabel() {
      var option = select.options[select.selectedIndex];
      return option && option.value !== "" ? option.text : "";
    }
    input.value = chosenLabel();

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      options.forEach(function (item, position) {
        item.setAttribute("aria-selected", position === index ? "true" : "false");
        item.classList.toggle("active", position === index);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function choose(value, text) {
      select.textContent = "";
      if (emptyLabel) { select.add(new Option(emptyLabel, "")); }
      if (value !== "") { select.add(new Option(text, value, true, true)); }
      select.value = value;
      input.value = value === "" ? "" : text;
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function line(text, className) {
      var item = document.createElement("li");
      item.className = "list-group-item small text-body-secondary " + (className || "");
      item.textContent = text;
      list.appendChild(item);
    }
    function shown(body, text) {
      list.textContent = "";
      options = [];
      var results = body.results.slice();
      if (!text && emptyLabel) { results.unshift({ id: "", label: emptyLabel }); }
      results.forEach(function (result, position) {
        var item = document.createElement("li");
        item.id = list.id + "-" + position;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-value", String(result.id));
        item.textContent = result.label;
        // mousedown, not click: the text box keeps the focus (no blur closing the list first).
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(String(result.id), result.label);
        });
        list.appendChild(item);
        options.push(item);
      });
      if (!results.length) { line("No match.", "picker-none"); }
      if (body.more) { line("More match: type more of the name.", "picker-more"); }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(text && options.length ? 0 : -1);
    }
    var asked = 0;
    function ask() {
      var text = input.value.trim();
      var number = ++asked;
      fetchOptions(url, text, function (body) {
        if (number === asked && document.activeElement === input) { shown(body, text); }
      });
    }
    input.addEventListener("input", debounced(ask));
    input.addEventListener("focus", function () {
      if (input.value === chosenLabel()) { input.select(); }
      ask();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { ask(); return; }
        if (!options.length) { return; }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + options.length) % options.length);
      } else if (event.key === "Enter" && !list.hidden) {
        // Enter chooses; with nothing highlighted it must not send the form half-typed.
        event.preventDefault();
        if (active >= 0) {
          choose(options[active].getAttribute("data-value"), options[active].textContent);
        }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        input.value = chosenLabel();
        close();
      }
    });
    input.addEventListener("blur", function () {
      if (!input.value.trim()) {
        if (select.value !== "") { choose("", ""); }
      } else {
        input.value = chosenLabel();  // typed but not chosen: the choice stands
      }
      close();
    });
  });
})();
