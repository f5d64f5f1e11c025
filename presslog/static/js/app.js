/* PressLog's small browser layer: validation messages from the server's rules,
   confirmations, busy buttons, live order totals. Works without it too. */
(function () {
  "use strict";

  function wrongLength(input) {
    var n = input.value.length, min = input.minLength, max = input.maxLength;
    return n > 0 && ((min > 0 && n < min) || (max > 0 && n > max));
  }

  // Same order as the server's rules: required, then length, then pattern.
  function messageFor(input) {
    var v = input.validity;
    if (v.valueMissing) return input.dataset.msgRequired || "This field is required.";
    if (wrongLength(input)) return input.dataset.msgPattern || input.dataset.msgLength || "This value has the wrong length.";
    if (v.patternMismatch) return input.dataset.msgPattern || "This value is not valid.";
    if (v.rangeUnderflow) return input.dataset.msgMin || "This value is too small.";
    if (v.rangeOverflow) return input.dataset.msgMax || "This value is too large.";
    if (v.badInput || v.typeMismatch) return "Enter a valid value.";
    if (v.customError) return input.validationMessage;
    return "";
  }

  function dateOrder(input) {
    var other = input.dataset.after && document.getElementById(input.dataset.after);
    if (!other || !input.value || !other.value) return "";
    if (input.value < other.value) {
      var label = document.querySelector('label[for="' + input.id + '"]');
      var otherLabel = document.querySelector('label[for="' + other.id + '"]');
      return (label ? label.firstChild.textContent.trim() : "This date") + " cannot be before " +
        (otherLabel ? otherLabel.firstChild.textContent.trim().toLowerCase() : "the other date") + ".";
    }
    return "";
  }

  function check(input) {
    if (!input.willValidate) return true;
    input.setCustomValidity("");
    var msg = messageFor(input) || dateOrder(input);
    input.setCustomValidity(msg);
    var feedback = document.getElementById(input.id + "-error") ||
      (input.nextElementSibling && input.nextElementSibling.classList.contains("invalid-feedback") ? input.nextElementSibling : null);
    if (msg) {
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
      if (feedback) feedback.textContent = msg;
    } else {
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
    }
    return !msg;
  }

  // Codes are stored in upper case: show them so as they are typed.
  document.addEventListener("input", function (e) {
    var el = e.target;
    if (el.dataset && el.dataset.normalize === "upper" && el.value !== el.value.toUpperCase()) {
      var start = el.selectionStart, end = el.selectionEnd;
      el.value = el.value.toUpperCase();
      if (start !== null) el.setSelectionRange(start, end);
    }
  });

  document.querySelectorAll("form[data-validate]").forEach(function (form) {
    form.addEventListener("input", function (e) {
      if (e.target.classList.contains("is-invalid")) check(e.target);
    });
    form.addEventListener("change", function (e) { if (e.target.matches("input,select,textarea")) check(e.target); });
    form.addEventListener("submit", function (e) {
      var first = null;
      form.querySelectorAll("input,select,textarea").forEach(function (el) {
        if (!check(el) && !first) first = el;
      });
      if (first) {
        e.preventDefault();
        first.focus();
        return;
      }
      busy(form);
    });
  });

  function busy(form) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.disabled = true;
      if (b.dataset.busyLabel) {
        b.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>' + b.dataset.busyLabel;
      }
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  });

  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });

  // Live totals on the order form (the server recalculates on save).
  var table = document.querySelector(".charges-table");
  if (table) {
    var fmt = function (n) { return n.toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2}); };
    var num = function (el) { var v = parseFloat(el && el.value); return isNaN(v) ? 0 : v; };
    var update = function () {
      var subtotal = 0;
      table.querySelectorAll("tr[data-charge]").forEach(function (row) {
        var inputs = row.querySelectorAll("input:not([type=hidden])");
        var line = Math.round(num(inputs[0]) * num(inputs[1]) * 100) / 100;
        subtotal += line;
        row.querySelector("[data-line-total]").textContent = line ? fmt(line) : "—";
      });
      table.querySelector("[data-subtotal]").textContent = fmt(subtotal);
      var tax = document.getElementById("sales_tax"), freight = document.getElementById("freight");
      var total = document.querySelector("[data-total]");
      if (total) total.textContent = fmt(subtotal + num(tax) + num(freight));
    };
    document.querySelector(".order-form").addEventListener("input", update);
    update();
  }
})();
