'use strict';
// Loads the contract as served, lists this node first among its servers (the contract names the default
// port, which is not where this page may be running), then starts Swagger UI on it. Nothing leaves this node:
// no validator badge, no remote spec URL.
(function () {
  function fail(message) {
    const box = document.getElementById('docs-error');
    box.textContent = 'Could not load the API contract: ' + message;
    box.hidden = false;
  }

  fetch('/api/v1/openapi.json', { headers: { Accept: 'application/json' } })
    .then(function (res) {
      if (!res.ok) {
        throw new Error('HTTP ' + res.status);
      }
      return res.json();
    })
    .then(function (spec) {
      const here = { url: window.location.origin, description: 'this node' };
      spec.servers = [here].concat((spec.servers || []).filter(function (s) { return s.url !== here.url; }));
      window.ui = SwaggerUIBundle({
        spec: spec,
        dom_id: '#swagger-ui',
        deepLinking: true,
        validatorUrl: null,
        displayRequestDuration: true,
        defaultModelsExpandDepth: 0,
        presets: [SwaggerUIBundle.presets.apis],
        layout: 'BaseLayout'
      });
    })
    .catch(function (err) { fail(err.message); });
})();
