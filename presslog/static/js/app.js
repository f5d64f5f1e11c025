/* PressLog's small browser layer: validation messages from the server's rules,
   busy buttons, live order totals; then the feedback layer (toasts, the confirm dialog,
   progress, failures, downloads). Every page works without it too. */
(function () {
  "use strict";

  // Validation: each control carries the server's rules and its very words (data-msg-*,
  // from presslog/core/rules.py); this only decides which message applies, in the
  // server's order. A field speaks up after its first change, then live as it is typed.
  function related(input, name) {
    var prefix = input.id.slice(0, input.id.lastIndexOf("-") + 1);  // rows: "art_proofs-0-"
    return document.getElementById(prefix + name) || document.getElementById(name);
  }

  function messageFor(input) {
    var d = input.dataset, v = input.validity, value = input.value.trim(), n = value.length;
    if (v.badInput) return d.msgType || input.validationMessage;
    if (v.stepMismatch && d.msgStep) return d.msgStep;  // a fraction in a count
    if (v.valueMissing || (input.required && !value)) return d.msgRequired || input.validationMessage;
    if (!value || input.type === "checkbox" || input.type === "file") return "";
    if ((input.minLength > 0 && n < input.minLength) || (input.maxLength > 0 && n > input.maxLength)) {
      return d.msgPattern || d.msgLength;
    }
    if (input.pattern && !new RegExp("^(?:" + input.pattern + ")$", "u").test(value)) return d.msgPattern;
    if (v.rangeUnderflow) return d.msgMin;
    if (v.rangeOverflow) return d.msgMax;
    var first = d.after && related(input, d.after);
    if (first && first.value && input.value < first.value) return d.msgAfter;
    var twin = d.match && related(input, d.match);
    if (twin && input.value !== twin.value) return d.msgMatch;
    return "";
  }

  function feedbackFor(input) {
    var box = document.getElementById(input.id + "-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "invalid-feedback";
      box.id = input.id + "-error";
      input.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function check(input) {
    if (!input.willValidate || !input.id) return true;
    var msg = messageFor(input) || "";
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== input.id + "-error";
    });
    if (msg) {
      feedbackFor(input).textContent = msg;
      ids.push(input.id + "-error");
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
    } else {
      var box = document.getElementById(input.id + "-error");
      if (box) box.textContent = "";
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
    }
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
    return !msg;
  }

  // Codes are stored in upper case (user names in lower case): show them so as typed.
  document.addEventListener("input", function (e) {
    var el = e.target, how = el.dataset && el.dataset.normalize;
    var fixed = how === "upper" ? el.value.toUpperCase() : how === "lower" ? el.value.toLowerCase() : el.value;
    if (fixed !== el.value) {
      var start = el.selectionStart, end = el.selectionEnd;
      el.value = fixed;
      if (start !== null) el.setSelectionRange(start, end);
    }
  }, true);  // capture: before the checks below read the value

  document.querySelectorAll("form[data-validate]").forEach(function (form) {
    var controls = function () { return form.querySelectorAll("input,select,textarea"); };
    form.noValidate = true;  // our messages (the server's words), not the browser's
    var recheck = function (e) {
      if (!e.target.matches("input,select,textarea")) return;
      if (e.type === "change") e.target.dataset.touched = "1";
      // Live: the field itself and those compared with it (date order, password twice).
      controls().forEach(function (el) { if (el.dataset.touched || el.classList.contains("is-invalid")) check(el); });
    };
    form.addEventListener("input", recheck);
    form.addEventListener("change", recheck);
    form.addEventListener("submit", function (e) {
      var first = null;
      controls().forEach(function (el) {
        el.dataset.touched = "1";
        if (!check(el) && !first) first = el;
      });
      if (first) {
        e.preventDefault();
        e.stopImmediatePropagation();
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

  // form[data-confirm]: the confirm dialog, in the feedback layer below.

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

/* == Feedback layer (owner: design) =====================================================
   Toasts, the confirm dialog, a progress bar during requests, a message when a request
   fails or the connection drops, busy submit buttons, and downloads with a spinner. */
(function () {
  "use strict";
  var PL = window.PressLog = window.PressLog || {};
  var bs = window.bootstrap;
  var CONNECTION = "PressLog could not be reached. Check your connection and try again.";
  var TIMEOUT = "PressLog took too long to answer. Try again in a moment.";

  // -- Toasts ---------------------------------------------------------------------------
  var container = document.getElementById("toasts");

  function arm(el, fresh) {
    if (!bs || el.dataset.armed) return;
    el.dataset.armed = "1";
    var delay = parseInt(el.dataset.autohide || "", 10);
    // Bootstrap's own timer stops while the toast is pointed at or has focus. Toasts the
    // server drew are on screen already: no second fade-in.
    var toast = bs.Toast.getOrCreateInstance(el, { autohide: delay > 0, delay: delay || 8000, animation: !!fresh });
    el.addEventListener("hidden.bs.toast", function () { el.remove(); });
    toast.show();
  }

  /* Show a message as a toast: category success | info | warning | danger. */
  PL.toast = function (message, category) {
    var kind = category || "info";
    var el = document.createElement("div");
    el.className = "toast toast-" + kind;
    el.setAttribute("role", kind === "danger" ? "alert" : "status");
    el.setAttribute("aria-atomic", "true");
    if (kind === "success") el.dataset.autohide = "8000";
    var row = document.createElement("div");
    row.className = "d-flex align-items-start gap-2";
    var body = document.createElement("div");
    body.className = "toast-body flex-grow-1";
    body.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close m-2";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close message");
    row.appendChild(body);
    row.appendChild(close);
    el.appendChild(row);
    if (!container) return el;
    // The same failure twice in a row shows once.
    var last = container.lastElementChild;
    if (last && last.textContent.trim() === message && last.classList.contains("toast-" + kind)) return last;
    container.appendChild(el);
    if (bs) arm(el, true); else el.classList.add("show");
    return el;
  };
  if (container) container.querySelectorAll(".toast").forEach(function (el) { arm(el, false); });

  document.addEventListener("click", function (e) {
    var demo = e.target.closest && e.target.closest("[data-demo-toast]");
    if (demo) PL.toast(demo.dataset.message, demo.dataset.demoToast);
  });

  // -- Progress bar -----------------------------------------------------------------------
  var bar = document.getElementById("page-progress");
  var active = 0, width = 0, trickle = null, finish = null;
  function draw() { if (bar) bar.style.transform = "scaleX(" + (width / 100) + ")"; }
  PL.progressStart = function () {
    active += 1;
    if (!bar || active > 1) return;
    clearTimeout(finish);
    bar.classList.add("is-active");
    width = 10;
    draw();
    trickle = setInterval(function () { width += (90 - width) * 0.15; draw(); }, 250);
  };
  PL.progressDone = function () {
    active = Math.max(0, active - 1);
    if (!bar || active) return;
    clearInterval(trickle);
    width = 100;
    draw();
    finish = setTimeout(function () {
      if (active) return;
      bar.classList.remove("is-active");
      width = 0;
      draw();
    }, 300);
  };

  // fetch() by PressLog's scripts shows the bar too.
  if (PL.fetch && !PL.fetch.withProgress) {
    var plainFetch = PL.fetch;
    PL.fetch = function (url, options) {
      PL.progressStart();
      return plainFetch(url, options).finally(PL.progressDone);
    };
    PL.fetch.withProgress = true;
  }

  // -- htmx: progress, and words when a request fails ---------------------------------------
  function quiet(elt) {  // polling (the bell, an import's progress) stays out of sight
    var trigger = elt && elt.getAttribute && elt.getAttribute("hx-trigger");
    return !!(trigger && trigger.indexOf("every") !== -1);
  }
  var running = new WeakSet();
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (quiet(e.detail.elt)) return;
    running.add(e.detail.xhr);
    PL.progressStart();
  });
  function ended(e) {
    if (e.detail && running.has(e.detail.xhr)) {
      running.delete(e.detail.xhr);
      PL.progressDone();
    }
  }
  ["htmx:afterRequest", "htmx:sendError", "htmx:timeout", "htmx:sendAbort"].forEach(function (name) {
    document.addEventListener(name, ended);
  });

  function statusMessage(status) {
    if (status === 401) return "Your session has ended. Sign in again, then try once more.";
    if (status === 403) return "You do not have permission for that. Ask a manager if you need it.";
    if (status === 404) return "That was not found: it may have been deleted. Reload the page.";
    if (status === 409) return "Someone else changed this first. Reload the page, then try again.";
    if (status === 413) return "That file is too large. Choose a smaller one.";
    if (status === 429) return "Too many requests. Wait a minute, then try again.";
    if (status >= 500) return "PressLog ran into a problem and did not finish. Try again; if it keeps happening, tell your administrator.";
    return "That did not work (error " + status + "). Reload the page and try again.";
  }
  document.addEventListener("htmx:sendError", function (e) {
    if (!quiet(e.detail.elt)) PL.toast(CONNECTION, "danger");
  });
  document.addEventListener("htmx:timeout", function (e) {
    if (!quiet(e.detail.elt)) PL.toast(TIMEOUT, "danger");
  });
  document.addEventListener("htmx:responseError", function (e) {
    if (!quiet(e.detail.elt)) PL.toast(statusMessage(e.detail.xhr.status), "danger");
  });

  // -- Offline banner -----------------------------------------------------------------------
  var banner = document.getElementById("offline-banner");
  function connection() { if (banner) banner.hidden = navigator.onLine !== false; }
  window.addEventListener("online", connection);
  window.addEventListener("offline", connection);
  connection();

  // -- The confirm dialog: every form[data-confirm] asks here first ---------------------------
  var dialog = document.getElementById("confirm-dialog");
  var pending = null, returnTo = null;
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-confirm]")) return;
    if (form.dataset.confirmed === "1") {  // confirmed: on its way
      delete form.dataset.confirmed;
      return;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
    var submitter = e.submitter || form.querySelector("[type=submit]");
    if (!dialog || !bs) {
      if (window.confirm(form.dataset.confirm)) {
        form.dataset.confirmed = "1";
        form.requestSubmit(submitter || undefined);
      }
      return;
    }
    pending = { form: form, submitter: submitter };
    returnTo = submitter || document.activeElement;
    var ok = dialog.querySelector("[data-confirm-ok]");
    var label = form.dataset.confirmLabel ||
      (submitter && submitter.textContent.trim().replace(/…$/, "")) || "Confirm";
    document.getElementById("confirm-message").textContent = form.dataset.confirm;
    ok.textContent = label;
    ok.className = "btn " + (form.dataset.confirmDanger === "false" ? "btn-primary" : "btn-danger");
    bs.Modal.getOrCreateInstance(dialog).show();
  }, true);

  if (dialog && bs) {
    dialog.addEventListener("shown.bs.modal", function () {
      dialog.querySelector(".modal-footer [data-bs-dismiss]").focus();  // Cancel: the safe choice
    });
    dialog.addEventListener("hidden.bs.modal", function () {
      var go = pending && pending.go;
      var p = pending;
      pending = null;
      if (returnTo && returnTo.isConnected) returnTo.focus();
      if (go) {
        p.form.dataset.confirmed = "1";
        var s = p.submitter && p.submitter.form === p.form && p.submitter.type === "submit" ? p.submitter : undefined;
        p.form.requestSubmit(s);
      }
    });
    dialog.querySelector("[data-confirm-ok]").addEventListener("click", function () {
      if (pending) pending.go = true;
      bs.Modal.getInstance(dialog).hide();
    });
  }

  // -- Busy submit buttons (no second click while the first is on its way) ---------------------
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || form.target === "_blank" || (form.method || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-no-busy")) return;
    var upload = (form.enctype || "").indexOf("multipart") !== -1;
    // After this event: a disabled button is left out of the form's data.
    setTimeout(function () {
      PL.progressStart();  // until the next page arrives
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
        // Disabled already: by the validation layer's busy() (then an upload still says
        // so), or for good.
        if (b.getAttribute("aria-busy") === "true" || (b.disabled && !upload)) return;
        b.dataset.idleHtml = b.innerHTML;
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
        var words = b.dataset.busyLabel || (upload ? "Uploading…" : "");
        if (words && !b.querySelector(".spinner-border")) {
          b.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>';
          b.appendChild(document.createTextNode(words));
        }
      });
    }, 0);
  });
  // Back to a page kept in the browser's memory: its buttons work again.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    active = 1;
    PL.progressDone();
    document.querySelectorAll("button[aria-busy=true]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
      if (b.dataset.idleHtml !== undefined) b.innerHTML = b.dataset.idleHtml;
    });
  });

  // -- Downloads: a[data-download] fetched with a spinner; a toast when it fails --------------
  function fileName(response, link) {
    var cd = response.headers.get("Content-Disposition") || "";
    var star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(cd);
    if (star) { try { return decodeURIComponent(star[1]); } catch (err) { /* next */ } }
    var plain = /filename\s*=\s*"?([^";]+)"?/i.exec(cd);
    if (plain) return plain[1];
    return link.getAttribute("download") || decodeURIComponent(new URL(link.href).pathname.split("/").pop()) || "download";
  }
  function failure(response) {
    var type = response.headers.get("Content-Type") || "";
    var fallback = "The download failed: " + statusMessage(response.status);
    if (type.indexOf("json") !== -1) {
      return response.json().then(function (body) {
        var said = body && (body.detail || body.message || body.title);
        return said ? "The download failed: " + said : fallback;
      }, function () { return fallback; });
    }
    if (type.indexOf("text/plain") !== -1) {
      return response.text().then(function (text) {
        text = text.trim();
        return text && text.length < 300 ? "The download failed: " + text : fallback;
      }, function () { return fallback; });
    }
    return Promise.resolve(fallback);
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-download]");
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (!window.fetch || !window.URL || !URL.createObjectURL) return;  // the plain link
    e.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    link.classList.add("is-downloading");
    var spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm me-1 download-spinner";
    spinner.setAttribute("aria-hidden", "true");
    link.insertBefore(spinner, link.firstChild);
    PL.progressStart();
    window.fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        return failure(response).then(function (message) { PL.toast(message, "danger"); });
      }
      return response.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var save = document.createElement("a");
        save.href = url;
        save.download = fileName(response, link);
        save.hidden = true;
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      });
    }).catch(function () {
      PL.toast("The download failed: " + CONNECTION, "danger");
    }).finally(function () {
      spinner.remove();
      link.removeAttribute("aria-busy");
      link.classList.remove("is-downloading");
      PL.progressDone();
    });
  });
})();
