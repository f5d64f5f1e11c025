/* The order grid (orders/grid.html): move between cells with the keyboard, edit one cell
   in place and save it on its own through the JSON API, guarded by the row's version.

   One cell is in the tab order at a time (roving tabindex). Arrow keys, Home/End and
   Page Up/Down move it; Enter or F2 edits; while editing, Enter saves and moves down,
   Tab / Shift+Tab save and move right / left, Esc puts the value back. The checks the
   browser makes come from the attributes the server renders from the field rules. */
(function () {
  "use strict";

  var table = document.querySelector("table[data-grid]");
  if (!table) return;

  var API = table.dataset.api;
  var STATUS_LABELS = JSON.parse(table.dataset.statusLabels || "{}");
  var JOB_TYPES = JSON.parse(table.dataset.jobTypes || "{}");
  var live = document.getElementById("grid-status");
  var TEXT = {
    saved: "Saved",
    stale: "Changed by someone else — row reloaded",
    forbidden: "You may not change this field",
    gone: "This order is no longer here (deleted?). Reload the page.",
    offline: "PressLog could not be reached. Check the connection and try again.",
    signedOut: "You are signed out. Sign in again in another tab, then press Enter to retry.",
    readOnly: "This cell is read-only.",
    wholeNumber: "Enter a whole number.",
    badValue: "Enter a valid value."
  };
  var PAGE_ROWS = 10;

  var editing = null; // {cell, input, original, saving}

  // -- where things are -----------------------------------------------------------

  function allRows() { return Array.prototype.slice.call(table.rows); }
  function cellsOf(row) { return Array.prototype.slice.call(row.cells); }

  function cellOf(el) {
    var cell = el && el.closest ? el.closest("th, td") : null;
    return cell && table.contains(cell) ? cell : null;
  }

  function locate(cell) {
    var row = cell.parentElement;
    return { r: allRows().indexOf(row), c: cellsOf(row).indexOf(cell) };
  }

  function clamp(n, low, high) { return Math.max(low, Math.min(high, n)); }

  function cellAt(r, c) {
    var rows = allRows();
    var cells = cellsOf(rows[clamp(r, 0, rows.length - 1)]);
    return cells[clamp(c, 0, cells.length - 1)];
  }

  function isEditable(cell) { return cell.getAttribute("aria-readonly") === "false"; }
  function kindOf(cell) { return cell.dataset.kind || ""; }
  function logOf(cell) { return cell.parentElement.dataset.log || ""; }
  function display(cell) { return cell.querySelector(".grid-value"); }

  // -- the active cell (roving tabindex) -----------------------------------------------

  var active = table.querySelector('td[tabindex="0"], th[tabindex="0"]');

  allRows().forEach(function (row) {
    cellsOf(row).forEach(function (cell) {
      if (cell !== active) cell.tabIndex = -1;
    });
  });
  // Links and checkboxes inside cells are reached through their cell, not by Tab.
  table.querySelectorAll("a, input").forEach(function (el) { el.tabIndex = -1; });
  if (!active) {
    active = cellAt(1, 0);
    active.tabIndex = 0;
  }
  active.classList.add("is-active");

  function activate(cell, focus) {
    if (active && active !== cell) {
      active.tabIndex = -1;
      active.classList.remove("is-active");
    }
    active = cell;
    cell.tabIndex = 0;
    cell.classList.add("is-active");
    if (focus !== false) cell.focus();
  }

  function moveFrom(cell, move) {
    if (!move) return;
    var at = locate(cell);
    var step = { down: [1, 0], up: [-1, 0], right: [0, 1], left: [0, -1] }[move];
    activate(cellAt(at.r + step[0], at.c + step[1]));
  }

  // -- messages ---------------------------------------------------------------------

  function announce(message) {
    if (!live) return;
    live.textContent = "";
    // A fresh text node is announced even when the words repeat.
    window.setTimeout(function () { live.textContent = message; }, 30);
  }

  function clearNote(cell) {
    cell.querySelectorAll(".grid-note").forEach(function (n) { n.remove(); });
    cell.classList.remove("is-saved", "is-stale", "is-refused");
  }

  function note(cell, message, tone) {
    clearNote(cell);
    var span = document.createElement("span");
    span.className = "grid-note grid-note-" + tone;
    span.textContent = message;
    cell.appendChild(span);
    cell.classList.add({ saved: "is-saved", warning: "is-stale", danger: "is-refused" }[tone]);
    return span;
  }

  function flashSaved(cell) {
    var span = note(cell, TEXT.saved, "saved");
    window.setTimeout(function () {
      if (span.isConnected) {
        span.remove();
        cell.classList.remove("is-saved");
      }
    }, 2500);
  }

  function errorId(cell) { return "grid-error-" + logOf(cell) + "-" + cell.dataset.field; }

  function showError(cell, input, message) {
    var box = cell.querySelector(".grid-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "grid-error invalid-feedback d-block";
      box.id = errorId(cell);
      cell.appendChild(box);
    }
    box.textContent = message;
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", box.id);
    cell.classList.add("has-error");
    announce(message);
  }

  function clearError(cell, input) {
    var box = cell.querySelector(".grid-error");
    if (box) box.remove();
    if (input) {
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    cell.classList.remove("has-error");
  }

  function busy(cell, on) {
    var spinner = cell.querySelector(".grid-spinner");
    if (on) {
      cell.setAttribute("aria-busy", "true");
      if (!spinner) {
        spinner = document.createElement("span");
        spinner.className = "grid-spinner spinner-border spinner-border-sm";
        spinner.setAttribute("aria-hidden", "true");
        cell.appendChild(spinner);
      }
    } else {
      cell.removeAttribute("aria-busy");
      if (spinner) spinner.remove();
    }
  }

  // -- showing an order's values ----------------------------------------------------------

  function money(value) {
    if (value === "") return "";
    var negative = value.charAt(0) === "-";
    var parts = (negative ? value.slice(1) : value).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + "." + ((parts[1] || "") + "00").slice(0, 2);
  }

  function renderCell(cell, value, order) {
    var kind = kindOf(cell);
    var raw = value === null || value === undefined ? "" : String(value);
    var shown = display(cell);
    if (kind === "log") return;
    if (kind === "checkbox") {
      cell.querySelector("input").checked = Boolean(value);
      cell.dataset.value = value ? "true" : "false";
      return;
    }
    cell.dataset.value = raw;
    if (kind === "status") {
      var badge = document.createElement("span");
      badge.className = "badge status-badge status-" + raw;
      badge.textContent = STATUS_LABELS[raw] || raw;
      shown.replaceChildren(badge);
    } else if (kind === "customer") {
      var name = document.createElement("span");
      name.className = "text-body-secondary";
      name.textContent = order.customer_name || "";
      shown.replaceChildren(document.createTextNode(raw + " "), name);
      shown.title = order.customer_name || "";
    } else if (kind === "money") {
      shown.textContent = money(raw);
    } else {
      shown.textContent = raw;
      if (kind === "select") shown.title = JOB_TYPES[raw] || "";
    }
  }

  function renderRow(row, order) {
    row.dataset.version = String(order.version);
    cellsOf(row).forEach(function (cell) {
      var field = cell.dataset.field;
      if (field && Object.prototype.hasOwnProperty.call(order, field)) {
        renderCell(cell, order[field], order);
      }
    });
  }

  // -- talking to the API -------------------------------------------------------------

  function orderUrl(log) { return API + "/" + encodeURIComponent(log); }

  function answerOf(response) {
    return response.json().catch(function () { return {}; }).then(function (data) {
      return { status: response.status, data: data || {} };
    });
  }

  function offline() { return { status: 0, data: {} }; }

  function send(cell, body) {
    var row = cell.parentElement;
    busy(cell, true);
    return window.PressLog.fetch(orderUrl(row.dataset.log), {
      method: "PATCH",
      body: body,
      headers: { "If-Match": '"v' + row.dataset.version + '"' }
    }).then(answerOf, offline).then(function (answer) {
      busy(cell, false);
      return answer;
    });
  }

  var reloading = new WeakMap(); // row → the pending re-read of its order

  function reloadRow(row) {
    row.setAttribute("aria-busy", "true");
    var done = window.PressLog.fetch(orderUrl(row.dataset.log)).then(answerOf, offline)
      .then(function (answer) {
        row.removeAttribute("aria-busy");
        reloading.delete(row);
        if (answer.status === 200) {
          renderRow(row, answer.data);
        } else if (answer.status === 404) {
          note(row.cells[0], TEXT.gone, "danger");
        }
        return answer;
      });
    reloading.set(row, done);
    return done;
  }

  /* Resolves once the row holds the stored values (at once, unless a re-read is pending). */
  function settled(row) {
    return reloading.get(row) || Promise.resolve();
  }

  function problemText(answer, field) {
    var errors = answer.data.errors || {};
    if (errors[field]) return errors[field].join(" ");
    var all = Object.keys(errors).map(function (key) { return errors[key].join(" "); });
    return all.length ? all.join(" ") : (answer.data.detail || TEXT.badValue);
  }

  /* What every failed save does, whatever the editor: true when it was handled here. */
  function refused(cell, answer) {
    if (answer.status === 412 || answer.status === 409) {
      note(cell, TEXT.stale, "warning");
      announce(TEXT.stale);
      if (!answer.reread) reloadRow(cell.parentElement);
      return true;
    }
    if (answer.status === 403) {
      note(cell, TEXT.forbidden, "danger");
      announce(TEXT.forbidden);
      return true;
    }
    if (answer.status === 404) {
      note(cell, TEXT.gone, "danger");
      announce(TEXT.gone);
      return true;
    }
    return false;
  }

  function failureText(answer, field) {
    if (answer.status === 0) return TEXT.offline;
    if (answer.status === 401) return TEXT.signedOut;
    if (answer.status === 422 || answer.status === 400) return problemText(answer, field);
    return (answer.data.detail || "The change was not saved.") + " (" + answer.status + ")";
  }

  // -- editing a cell -----------------------------------------------------------------

  /* The browser's verdict in the server's words (data-msg-* come from the field rule). */
  function clientError(input) {
    if (!input.willValidate) return "";
    var v = input.validity;
    var n = input.value.length;
    if (v.valueMissing) return input.dataset.msgRequired || "This field is required.";
    if (n > 0 && ((input.minLength > 0 && n < input.minLength) ||
                  (input.maxLength > 0 && n > input.maxLength))) {
      return input.dataset.msgPattern || input.dataset.msgLength || TEXT.badValue;
    }
    if (v.patternMismatch) return input.dataset.msgPattern || TEXT.badValue;
    if (v.rangeUnderflow) return input.dataset.msgMin || TEXT.badValue;
    if (v.rangeOverflow) return input.dataset.msgMax || TEXT.badValue;
    if (v.stepMismatch) return TEXT.wholeNumber;
    if (v.badInput || v.typeMismatch) return TEXT.badValue;
    return "";
  }

  function valueFor(kind, input) {
    var raw = input.value;
    if (kind === "number") {
      raw = raw.trim();
      if (raw === "") return null;
      return /^-?\d+$/.test(raw) ? parseInt(raw, 10) : raw;
    }
    if (kind === "date") return raw === "" ? null : raw;
    return raw;
  }

  function startEdit(cell, typed) {
    if (editing) return;
    var template = document.getElementById("grid-editor-" + cell.dataset.field);
    if (!template || !isEditable(cell)) return;
    clearNote(cell);
    var input = template.content.firstElementChild.cloneNode(true);
    input.id = "grid-edit-" + logOf(cell) + "-" + cell.dataset.field;
    input.setAttribute("aria-label", cell.dataset.label + ", order " + logOf(cell));
    input.value = typed !== undefined ? typed : (cell.dataset.value || "");
    display(cell).hidden = true;
    cell.appendChild(input);
    cell.classList.add("is-editing");
    editing = { cell: cell, input: input, original: cell.dataset.value || "", saving: false };
    input.addEventListener("blur", onEditorBlur);
    activate(cell, false);
    input.focus();
    try {
      if (typed === undefined) input.select();
      else input.setSelectionRange(input.value.length, input.value.length);
    } catch (ignored) { /* number and date inputs have no text selection */ }
  }

  function endEdit(focusCell) {
    var ed = editing;
    if (!ed) return;
    editing = null;
    ed.input.removeEventListener("blur", onEditorBlur);
    var hadFocus = ed.cell.contains(document.activeElement);
    clearError(ed.cell, ed.input);
    ed.input.remove();
    display(ed.cell).hidden = false;
    ed.cell.classList.remove("is-editing");
    if (focusCell || hadFocus) activate(ed.cell);
  }

  function keepEditing(ed, message) {
    showError(ed.cell, ed.input, message);
    activate(ed.cell, false);
    ed.input.focus();
  }

  function commit(move) {
    var ed = editing;
    if (!ed || ed.saving) return;
    var cell = ed.cell;
    var input = ed.input;
    var problem = clientError(input);
    if (problem) {
      keepEditing(ed, problem);
      return;
    }
    if (input.value === ed.original) {
      endEdit(Boolean(move));
      moveFrom(cell, move);
      return;
    }
    var field = cell.dataset.field;
    var body = {};
    body[field] = valueFor(kindOf(cell), input);
    ed.saving = true;
    input.readOnly = true;
    clearError(cell, input);
    settled(cell.parentElement).then(function () {
      // A re-read of the row changed this very value while it was being edited:
      // that is someone else's change, not to be overwritten unseen.
      if (cell.dataset.value !== ed.original) return { status: 409, data: {}, reread: true };
      return send(cell, body);
    }).then(function (answer) {
      ed.saving = false;
      input.readOnly = false;
      if (answer.status === 200) {
        endEdit(Boolean(move));
        renderRow(cell.parentElement, answer.data);
        flashSaved(cell);
        announce(TEXT.saved + ": " + cell.dataset.label + ", order " + logOf(cell) + ".");
        moveFrom(cell, move);
      } else if (refused(cell, answer)) {
        endEdit(Boolean(move)); // the note refused() left in the cell stays
      } else {
        keepEditing(ed, failureText(answer, field));
      }
    });
  }

  function cancel() {
    if (editing && !editing.saving) endEdit(true);
  }

  function onEditorBlur() {
    var ed = editing;
    // Wait a moment: switching windows blurs too, yet the editor keeps its focus.
    window.setTimeout(function () {
      if (editing !== ed || !ed || ed.saving) return;
      if (document.activeElement === ed.input) return;
      commit(null);
    }, 0);
  }

  function onEditorKey(e) {
    if (editing.saving) {
      e.preventDefault();
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      commit("down");
    } else if (e.key === "Escape") {
      e.preventDefault();
      cancel();
    } else if (e.key === "Tab") {
      e.preventDefault();
      commit(e.shiftKey ? "left" : "right");
    }
  }

  // -- checkboxes: a tick saves at once ---------------------------------------------------

  function saveTick(cell, box) {
    if (cell.getAttribute("aria-busy") === "true") return;
    var wanted = box.checked;
    var body = {};
    body[cell.dataset.field] = wanted;
    clearNote(cell);
    settled(cell.parentElement).then(function () {
      return send(cell, body);
    }).then(function (answer) {
      if (answer.status === 200) {
        renderRow(cell.parentElement, answer.data);
        flashSaved(cell);
        announce(TEXT.saved + ": " + cell.dataset.label + (wanted ? " on" : " off") +
                 ", order " + logOf(cell) + ".");
        return;
      }
      box.checked = !wanted;
      if (!refused(cell, answer)) {
        var message = failureText(answer, cell.dataset.field);
        note(cell, message, "danger");
        announce(message);
      }
    });
  }

  function toggle(cell) {
    var box = cell.querySelector('input[type="checkbox"]');
    if (!box || box.disabled || cell.getAttribute("aria-busy") === "true") return;
    box.checked = !box.checked;
    saveTick(cell, box);
  }

  // -- moving around ------------------------------------------------------------------------

  function onNavKey(e, cell) {
    if (e.altKey || e.metaKey) return;
    var at = locate(cell);
    var target = null;
    var last = allRows().length - 1;
    switch (e.key) {
      case "ArrowUp": target = cellAt(at.r - 1, at.c); break;
      case "ArrowDown": target = cellAt(at.r + 1, at.c); break;
      case "ArrowLeft": target = cellAt(at.r, at.c - 1); break;
      case "ArrowRight": target = cellAt(at.r, at.c + 1); break;
      case "Home": target = e.ctrlKey ? cellAt(0, 0) : cellAt(at.r, 0); break;
      case "End": target = e.ctrlKey ? cellAt(last, Infinity) : cellAt(at.r, Infinity); break;
      case "PageUp": target = cellAt(Math.max(1, at.r - PAGE_ROWS), at.c); break;
      case "PageDown": target = cellAt(at.r + PAGE_ROWS, at.c); break;
      case "Enter":
      case "F2":
        e.preventDefault();
        enter(cell, e.key);
        return;
      case " ":
        if (kindOf(cell) === "checkbox") {
          e.preventDefault();
          toggle(cell);
        }
        return;
      default:
        // Typing on a text or number cell starts editing with what was typed.
        if (e.key.length === 1 && !e.ctrlKey && isEditable(cell) &&
            (kindOf(cell) === "text" || kindOf(cell) === "number")) {
          e.preventDefault();
          startEdit(cell, e.key);
        }
        return;
    }
    e.preventDefault();
    activate(target);
  }

  function enter(cell, key) {
    var link = cell.querySelector("a[href]");
    if (kindOf(cell) === "checkbox") {
      if (isEditable(cell)) toggle(cell);
      else announce(TEXT.readOnly);
    } else if (isEditable(cell)) {
      startEdit(cell);
    } else if (link && key === "Enter") {
      link.click();
    } else {
      announce(TEXT.readOnly);
    }
  }

  table.addEventListener("keydown", function (e) {
    if (editing && e.target === editing.input) {
      onEditorKey(e);
      return;
    }
    var cell = cellOf(e.target);
    if (cell) onNavKey(e, cell);
  });

  table.addEventListener("click", function (e) {
    var cell = cellOf(e.target);
    if (!cell || (editing && editing.cell === cell)) return;
    if (e.target.closest("a[href]")) return; // links go where they point
    activate(cell);
  });

  table.addEventListener("dblclick", function (e) {
    var cell = cellOf(e.target);
    if (cell && kindOf(cell) !== "checkbox") startEdit(cell);
  });

  table.addEventListener("change", function (e) {
    var box = e.target;
    if (box.type !== "checkbox") return;
    var cell = cellOf(box);
    if (cell && isEditable(cell)) saveTick(cell, box);
  });

  // Leaving the page with an edit open would lose it without a word.
  window.addEventListener("beforeunload", function (e) {
    if (editing && editing.input.value !== editing.original) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
})();
