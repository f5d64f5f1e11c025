/* Follow the system's light or dark setting. Loaded in <head>, before the page is
   drawn, so it never flashes the wrong theme; a file, not inline, so the CSP needs
   no 'unsafe-inline'. */
(function () {
  "use strict";
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
})();
