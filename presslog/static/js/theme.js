/* The page's light or dark theme, before the page is drawn (loaded in <head>, so it never
   flashes the wrong one; a file, not inline, so the CSP needs no 'unsafe-inline').
   The server writes the person's choice in data-theme-choice: "light" and "dark" are
   kept as they are; "system" (and anonymous pages) follow the device's setting, also
   when it changes while the page is open. */
(function () {
  "use strict";
  var root = document.documentElement;
  var choice = root.getAttribute("data-theme-choice") || "system";
  if (choice === "light" || choice === "dark") {
    root.setAttribute("data-bs-theme", choice);
    return;
  }
  if (!window.matchMedia) {
    return;
  }
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function follow() {
    root.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  }
  follow();
  if (query.addEventListener) {
    query.addEventListener("change", follow);
  }
})();
