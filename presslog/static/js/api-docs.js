/* Starts Swagger UI on /api/v1/docs (a file, not an inline script, for the CSP).
   "Try it out" uses the signed-in session: writes carry the page's CSRF token in
   X-CSRFToken, as the API asks of cookie-authenticated writes. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var SAFE = /^(GET|HEAD|OPTIONS)$/i;

  /* Swagger UI's markup, made to pass axe after each render. Its <main> (the operations)
     is the page's one main landmark; the blocks it draws outside it become named regions
     so that no content is outside a landmark. Its headings skip no level: the tags are
     h3 under the h1 title, so they read as level 2, and so on. */
  var REGIONS = [
    [".information-container section", "About this API"],
    [".scheme-container section", "Authorization"],
  ];

  function tidy() {
    for (var i = 0; i < REGIONS.length; i += 1) {
      var block = root.querySelector(REGIONS[i][0]);
      if (block && !block.hasAttribute("aria-label")) {
        block.setAttribute("aria-label", REGIONS[i][1]);
      }
    }
    // Parameter fields are named by their parameter (Swagger UI gives them no label).
    var fields = root.querySelectorAll(
      "tr[data-param-name] select, tr[data-param-name] input, tr[data-param-name] textarea"
    );
    for (var k = 0; k < fields.length; k += 1) {
      if (!fields[k].hasAttribute("aria-label")) {
        var row = fields[k].closest("tr[data-param-name]");
        fields[k].setAttribute("aria-label", row.getAttribute("data-param-name"));
      }
    }
    // Code samples that scroll sideways can be scrolled with the keyboard.
    var samples = root.querySelectorAll(".highlight-code pre, .microlight");
    for (var m = 0; m < samples.length; m += 1) {
      if (!samples[m].hasAttribute("tabindex")) {
        samples[m].setAttribute("tabindex", "0");
      }
    }
    var headings = document.querySelectorAll("h1, h2, h3, h4, h5, h6");
    var previous = 0;
    for (var j = 0; j < headings.length; j += 1) {
      var own = Number(headings[j].tagName.charAt(1));
      var level = previous && own > previous + 1 ? previous + 1 : own;
      if (level === own) {
        headings[j].removeAttribute("aria-level");
      } else if (headings[j].getAttribute("aria-level") !== String(level)) {
        headings[j].setAttribute("aria-level", String(level));
      }
      previous = level;
    }
  }

  var pending = false;
  new MutationObserver(function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        tidy();
      });
    }
  }).observe(root, { childList: true, subtree: true });

  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    // Without deep links: the link they put inside each operation's summary button is a
    // control nested in a control, which keyboards and screen readers cannot use.
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    // The default sends the document to validator.swagger.io: nothing leaves the site.
    validatorUrl: null,
    requestInterceptor: function (request) {
      if (token && !SAFE.test(request.method || "GET")) {
        request.headers["X-CSRFToken"] = token;
      }
      return request;
    },
  });
})();
