/* The light or dark theme. An inline script in <head> sets it before the page is drawn;
   this (deferred) file follows the device's setting when it changes while the page is
   open ("system" and anonymous pages: prefers-color-scheme) and runs the navbar's theme
   menu: the choice applies at once and is saved for the person (POST /account/theme,
   JSON). Without script the menu's form posts and the page reloads in the new theme. */
(function () {
  "use strict";
  var root = document.documentElement;
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function apply() {
    var choice = root.getAttribute("data-theme-choice") || "system";
    var dark = choice === "dark" || (choice !== "light" && !!(query && query.matches));
    root.setAttribute("data-bs-theme", dark ? "dark" : "light");
  }
  if (query && query.addEventListener) query.addEventListener("change", apply);
  apply();

  function show(form, choice) {
    root.setAttribute("data-theme-choice", choice);
    apply();
    form.querySelectorAll("button[name=theme]").forEach(function (b) {
      var on = b.value === choice;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      if (on) {
        var label = document.querySelector("[data-theme-label]");
        if (label) label.textContent = b.dataset.label || b.textContent;
      }
    });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-theme-form]")) return;
    var button = e.submitter;
    var P = window.PressLog;
    if (!button || !button.value || !P || !P.fetch) return;  // the plain form post
    e.preventDefault();
    var before = root.getAttribute("data-theme-choice") || "system";
    show(form, button.value);
    var toggle = document.getElementById("theme-button");
    if (toggle) toggle.focus();
    var data = new FormData(form);
    data.set("theme", button.value);
    P.fetch(form.action, { method: "POST", body: data }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
    }).catch(function () {
      show(form, before);
      if (P.toast) P.toast("Your theme could not be saved. Check your connection and try again.", "danger");
    });
  });
})();
