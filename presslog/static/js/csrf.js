/* CSRF for scripted requests: htmx requests and PressLog.fetch() send the page's token in
   the X-CSRFToken header, as the server asks of every cookie-authenticated write. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var SAFE = /^(GET|HEAD|OPTIONS)$/i;

  document.addEventListener("htmx:configRequest", function (event) {
    if (token && !SAFE.test(event.detail.verb || "")) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  window.PressLog = window.PressLog || {};
  /* fetch() with the CSRF header on writes, same-origin cookies and JSON by default. */
  window.PressLog.fetch = function (url, options) {
    var opts = Object.assign({ credentials: "same-origin" }, options || {});
    var headers = new Headers(opts.headers || {});
    if (token && !SAFE.test(opts.method || "GET")) {
      headers.set("X-CSRFToken", token);
    }
    if (opts.body && typeof opts.body !== "string" && !(opts.body instanceof FormData)) {
      opts.body = JSON.stringify(opts.body);
      if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
    }
    if (!headers.has("Accept")) headers.set("Accept", "application/json");
    opts.headers = headers;
    return window.fetch(url, opts);
  };
})();
