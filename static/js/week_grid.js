/* My week's grid, enhanced (without scripts every part works as plain pages and forms):
   - live totals: each row's, each day's and the week's, the capacity bar and its legend
     follow what is typed, parsed as the server parses durations (tracker/durations.py);
     the server's figures stay the truth once saved;
   - a cell's entries (✎, or click/Enter on a cell of several entries) open in a dialog
     holding the cell's own page (/week/cell/), saved through it;
   - on a phone, previous/next day switch the day shown without leaving the page, so what
     was typed on other days is kept. */
(function () {
  "use strict";
  var table = document.querySelector("table.week-grid");
  if (!table) { return; }
  var MAX_SECONDS = 24 * 3600;
  var MAX_CHARS = 20;
  var KINDS = ["client", "promotion", "internal"];

  // tracker/durations.py's three forms, in its order: 1:30[:15], 1.5 / 1,5 h, 1h 30m / 90m.
  var HOURS_MINUTES = /^(\d+):([0-5]?\d)(?::([0-5]?\d))?$/;
  var DECIMAL_HOURS = /^(\d*[.,]?\d+)\s*(?:h|hr|hrs|hours?)?$/;
  var UNITS = /^(?:(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hours?))?\s*(?:(\d+)\s*(?:m|min|mins|minutes?)?)?$/;

  function number(digits) { return parseFloat(digits.replace(",", ".")); }

  function roundHalfEven(value) {
    var floor = Math.floor(value), rest = value - floor;
    if (Math.abs(rest - 0.5) < 1e-9) { return floor % 2 === 0 ? floor : floor + 1; }
    return Math.round(value);
  }

  /* Seconds typed, 0 for an empty cell, null for what the server would refuse. */
  function parseDuration(text) {
    var value = (text || "").trim().toLowerCase(), match, seconds;
    if (!value) { return 0; }
    if (value.length > MAX_CHARS) { return null; }
    if ((match = HOURS_MINUTES.exec(value))) {
      seconds = number(match[1]) * 3600 + parseInt(match[2], 10) * 60 + parseInt(match[3] || "0", 10);
    } else if ((match = DECIMAL_HOURS.exec(value))) {
      seconds = number(match[1]) * 3600;
    } else if ((match = UNITS.exec(value)) && (match[1] || match[2])) {
      seconds = number(match[1] || "0") * 3600 + number(match[2] || "0") * 60;
    } else {
      return null;
    }
    if (seconds > MAX_SECONDS) { return null; }
    seconds = roundHalfEven(seconds);
    return seconds > 0 ? seconds : null;
  }

  /* As tracker.durations.format_duration: 5430 -> "1:30", 0 -> "". */
  function formatDuration(seconds) {
    if (!seconds) { return ""; }
    var minutes = roundHalfEven(seconds / 60);
    var rest = minutes % 60;
    return Math.floor(minutes / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function hours(seconds) { return (seconds / 3600).toFixed(2); }

  /* A cell the last save refused, still as the page came back: it counts what is saved, as
     the server's totals do (tracker/grid.py Cell.shown_seconds). */
  function refused(input) {
    if (input.value !== input.defaultValue) { return false; }
    if (input.getAttribute("aria-invalid") === "true") { return true; }  // marked by the server
    var select = input.closest("tr").querySelector("select[aria-invalid]");
    return Boolean(select);  // a new line with no row chosen: nothing of it is saved
  }

  function savedSeconds(input) {
    var was = input.closest("td").querySelector("input[name^='was-']");
    return was ? parseInt(was.value, 10) || 0 : 0;
  }

  function cellSeconds(input) {
    var seconds = parseDuration(input.value);
    var bad = seconds === null;
    var marked = refused(input);
    input.classList.toggle("is-invalid", bad || marked);
    input.toggleAttribute("data-unreadable", bad);
    // The server keeps the saved time of a cell it cannot read or refused: so do the totals.
    return bad || marked ? savedSeconds(input) : seconds;
  }

  var capacity = parseInt(table.getAttribute("data-capacity-seconds"), 10) || 0;

  function recompute() {
    var days = [0, 0, 0, 0, 0, 0, 0], byKind = {}, week = 0;
    KINDS.forEach(function (kind) { byKind[kind] = 0; });
    table.querySelectorAll("tbody tr[data-row]").forEach(function (row) {
      var total = 0;
      row.querySelectorAll("td[data-day]").forEach(function (td) {
        var input = td.querySelector("input.grid-cell");
        if (!input) { return; }
        var seconds = cellSeconds(input);
        days[parseInt(td.getAttribute("data-day"), 10)] += seconds;
        total += seconds;
      });
      var kind = row.getAttribute("data-kind");
      if (kind in byKind) { byKind[kind] += total; }
      week += total;
      var cell = row.querySelector("[data-row-total]");
      if (cell) { cell.textContent = formatDuration(total); }
    });
    table.querySelectorAll("[data-day-total]").forEach(function (td) {
      var seconds = days[parseInt(td.getAttribute("data-day"), 10)];
      td.textContent = formatDuration(seconds);
      td.classList.toggle("text-danger", seconds > MAX_SECONDS);
      td.title = seconds > MAX_SECONDS ? "More than 24 hours on this day: the save will refuse it." : "";
    });
    var total = document.getElementById("grid-total");
    if (total) { total.textContent = formatDuration(week); }
    updateCapacity(byKind, week);
  }

  function updateCapacity(byKind, week) {
    var line = document.getElementById("week-total");  // as the server writes it
    if (line) {
      line.textContent = hours(week) + " h logged of " +
        line.getAttribute("data-capacity-label") + " h capacity";
      if (capacity && week > capacity) {
        line.appendChild(document.createTextNode(": "));
        var strong = document.createElement("strong");
        strong.textContent = hours(week - capacity) + " h over";
        line.appendChild(strong);
      }
      line.appendChild(document.createTextNode("."));
    }
    var scale = Math.max(capacity, week);  // past capacity the bar spans what is logged
    KINDS.forEach(function (kind) {
      var bar = document.querySelector("[data-bar-kind='" + kind + "']");
      if (bar) { bar.style.width = (scale ? 100 * byKind[kind] / scale : 0) + "%"; }
      var legend = document.querySelector("[data-legend-kind='" + kind + "']");
      if (legend) { legend.textContent = hours(byKind[kind]); }
    });
    // The table of hours by kind under the grid says the same.
    document.querySelectorAll("#hours-by-kind tbody tr[data-kind]").forEach(function (row) {
      var seconds = byKind[row.getAttribute("data-kind")] || 0;
      var link = row.querySelector(".hours a");
      if (link) { link.textContent = hours(seconds); }
      var share = row.querySelector("[data-of-capacity]");
      if (share) { share.textContent = (capacity ? Math.round(100 * seconds / capacity) : 0) + "%"; }
    });
    var sum = document.querySelector("#hours-by-kind tfoot a");
    if (sum) { sum.textContent = hours(week); }
    var mark = document.querySelector(".capacity-mark");
    if (mark) {
      mark.hidden = !(capacity && week > capacity);
      if (!mark.hidden) { mark.style.left = (100 * capacity / week) + "%"; }
    }
  }

  // Typed in the grid and not saved: since the page was loaded, or a refused save came back.
  var gridForm = document.getElementById("week-grid");
  var unsaved = gridForm.hasAttribute("data-unsaved");
  var leaving = false;  // the grid's own form is being sent (Save, Submit), or they chose to
  table.addEventListener("input", function (event) {
    if (event.target.classList.contains("grid-cell")) {
      unsaved = true;
      recompute();
    }
  });
  table.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") { unsaved = true; }
  });
  gridForm.addEventListener("submit", function () { leaving = true; });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved && !leaving) {
      event.preventDefault();
      event.returnValue = "";  // the browser asks whether to leave
    }
  });
  var LEAVE_QUESTION = "You have typed in the timesheet without saving. Leave and lose it?";
  // The page's own links away from this week (other weeks, Copy last week's rows, a phone's
  // day in another week) ask in words; the browser's question covers the rest.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-leaves-week]");
    if (!link || !unsaved || leaving) { return; }
    if (window.confirm(LEAVE_QUESTION)) {
      leaving = true;
    } else {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // The cell's editor in a dialog ---------------------------------------------------------
  var dialog = document.createElement("dialog");
  dialog.className = "cell-dialog";
  dialog.setAttribute("aria-labelledby", "cell-heading");
  document.body.appendChild(dialog);

  function show(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var editor = page.getElementById("cell-editor");
    if (!editor) { return false; }
    dialog.replaceChildren(document.importNode(editor, true));
    if (unsaved) {
      // Saving the cell reloads the week: what was typed in the grid would be lost.
      var warning = document.createElement("p");
      warning.className = "alert alert-warning small";
      warning.id = "cell-unsaved";
      warning.textContent = "You have typed in the grid without saving: saving this cell " +
        "reloads the week and loses that. Cancel and save the week first to keep it.";
      dialog.querySelector("#cell-heading").after(warning);
    }
    cellEdited = false;
    if (!dialog.open) { dialog.showModal(); }
    // A refused save: to its first marked field. Else the first field, but not on a touch
    // screen, where focusing opens the keyboard over the dialog.
    var invalid = dialog.querySelector("[aria-invalid='true'], .is-invalid");
    var first = dialog.querySelector("input:not([type=hidden]):not([readonly])");
    if (invalid) {
      invalid.scrollIntoView({block: "center"});
      invalid.focus();
    } else if (first && !window.matchMedia("(pointer: coarse)").matches) {
      first.focus();
    }
    return true;
  }

  var cellEdited = false;  // typed in the dialog since it was shown
  dialog.addEventListener("input", function () { cellEdited = true; });
  dialog.addEventListener("change", function () { cellEdited = true; });

  /* Close the dialog, asking first when what was typed in it would be lost. */
  function closeCell() {
    if (cellEdited && !window.confirm("Close this cell without saving your changes?")) {
      return;
    }
    dialog.close();
  }

  dialog.addEventListener("cancel", function (event) {  // Escape
    event.preventDefault();
    closeCell();
  });

  function openCell(url) {
    fetch(url, {credentials: "same-origin"}).then(function (response) {
      return response.text().then(function (html) {
        if (!response.ok || !show(html)) { window.location.assign(url); }
      });
    }).catch(function () { window.location.assign(url); });
  }

  table.addEventListener("click", function (event) {
    var link = event.target.closest("a.cell-open");
    var several = event.target.closest("input[data-cell-opens]");
    if (several) { link = several.closest("td").querySelector("a.cell-open"); }
    if (!link) { return; }
    event.preventDefault();
    opener = link.closest("td").querySelector("input.grid-cell");
    openCell(link.href);
  });
  /* Keyboard: Tab goes from cell to cell (the ✎ links leave the Tab order: with them a row
     took twice the stops); Alt+Enter in any cell opens its entries and notes, as Enter does
     in a cell of several entries (it cannot be typed over); Enter elsewhere saves the week.
     Without this script the ✎ links stay in the Tab order: they are the way in then. */
  table.querySelectorAll("a.cell-open").forEach(function (link) {
    link.tabIndex = -1;
    var input = link.closest("td").querySelector("input.grid-cell");
    if (input) { input.setAttribute("aria-keyshortcuts", "Alt+Enter"); }
  });
  // The keys are shown where there is a keyboard to press them: not on a touch screen.
  if (!window.matchMedia || !window.matchMedia("(hover: none)").matches) {
    document.querySelectorAll("[data-cell-keys]").forEach(function (hint) { hint.hidden = false; });
  }
  var opener = null;  // the cell whose dialog is open: focus goes back to it on closing
  table.addEventListener("keydown", function (event) {
    var input = event.target.closest("input.grid-cell");
    var link = input && input.closest("td").querySelector("a.cell-open");
    if (!link || event.key !== "Enter" || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (event.altKey || input.hasAttribute("data-cell-opens")) {
      event.preventDefault();  // not the week's save: the cell opens
      opener = input;
      openCell(link.href);
    }
  });
  dialog.addEventListener("close", function () {
    if (opener && document.contains(opener)) { opener.focus(); }
    opener = null;
  });

  dialog.addEventListener("click", function (event) {
    if (event.target.closest("[data-cell-close]")) {
      event.preventDefault();
      closeCell();
    } else if (event.target === dialog) {
      closeCell();  // a click on the backdrop
    }
  });
  dialog.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    // The redirect is not followed here: its page would take the "saved" message with it.
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        redirect: "manual"})
      .then(function (response) {
        if (response.type === "opaqueredirect") {  // saved: the week, with the server's figures
          leaving = true;  // the dialog said what typed in the grid this loses
          remember(opener);
          window.location.assign(form.elements.next.value);
          return null;
        }
        return response.text().then(function (html) { show(html); });
      })
      .catch(function () { form.submit(); });
  });

  // A phone's day view ------------------------------------------------------------------------
  var nav = document.querySelector(".day-nav");
  if (nav) {
    var shownDay = parseInt(nav.getAttribute("data-shown-day"), 10) || 0;
    nav.addEventListener("click", function (event) {
      var goto = event.target.closest("a[data-day-goto]");
      if (goto) {  // a day the last save marked
        event.preventDefault();
        showDay(parseInt(goto.getAttribute("data-day-goto"), 10));
        return;
      }
      var link = event.target.closest("a[data-day-step]");
      if (!link) { return; }
      var day = shownDay + parseInt(link.getAttribute("data-day-step"), 10);
      if (day < 0 || day > 6) { return; }  // another week: its page
      event.preventDefault();
      showDay(day);
    });
  }

  var DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

  function showDay(day) {
    shownDay = day;
    document.querySelectorAll(".week-grid [data-day], .day-nav [data-day]").forEach(function (element) {
      element.classList.toggle("day-other", parseInt(element.getAttribute("data-day"), 10) !== day);
    });
    // The links step on from the day now shown (their addresses too, for a new tab).
    nav.querySelectorAll("a[data-day-step]").forEach(function (link) {
      var target = day + parseInt(link.getAttribute("data-day-step"), 10);
      if (target >= 0 && target <= 6) {
        link.removeAttribute("data-leaves-week");
        var heading = table.querySelector("thead th[data-day='" + target + "'] span");
        var date = DAY_NAMES[target] + " " + (heading ? heading.textContent.split(" ")[0] : "");
        link.href = "?week=" + table.getAttribute("data-week") + "&day=" + target;
        link.textContent = target < day ? "← " + date : date + " →";
        link.hidden = false;
      } else if (link.hasAttribute("data-other-week-url")) {
        link.href = link.getAttribute("data-other-week-url");
        link.textContent = link.getAttribute("data-other-week-label");
        link.hidden = false;
        link.setAttribute("data-leaves-week", "");
      } else {
        link.hidden = true;
      }
    });
    if (window.history && window.history.replaceState) {
      var here = new URL(window.location.href);
      here.searchParams.set("day", String(day));
      here.searchParams.set("week", table.getAttribute("data-week"));
      window.history.replaceState(null, "", here.pathname + here.search);
    }
  }

  /* Saving a cell reloads the week: the cell it was opened from gets the focus back there,
     so the keyboard goes on from it rather than from the top of the page. */
  var FOCUS_KEY = "week-grid-focus";
  function remember(input) {
    try {
      if (input && input.id) { window.sessionStorage.setItem(FOCUS_KEY, input.id); }
    } catch (error) { /* storage off: the page opens at its top, as without this script */ }
  }
  try {
    var focusId = window.sessionStorage.getItem(FOCUS_KEY);
    window.sessionStorage.removeItem(FOCUS_KEY);
    var cell = focusId && document.getElementById(focusId);
    // Not on a touch screen, where focusing opens the keyboard over the week (as above).
    if (cell && cell.classList.contains("grid-cell") &&
        !window.matchMedia("(pointer: coarse)").matches) { cell.focus(); }
  } catch (error) { /* as above */ }

  recompute();
})();
