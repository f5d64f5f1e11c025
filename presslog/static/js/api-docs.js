/* Starts Swagger UI on /api/v1/docs (a file, not an inline script, for the CSP).
   "Try it out" uses the signed-in session: writes carry the page's CSRF token in
   X-CSRFToken, as the API asks of cookie-authenticated writes. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var SAFE = /^(GET|HEAD|OPTIONS)$/i;

  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
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
