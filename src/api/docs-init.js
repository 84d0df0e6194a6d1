// /docs: starts Swagger UI on this server's /openapi.json. A file of its own (no inline script), so the page's
// Content-Security-Policy can allow scripts from this origin only.
window.addEventListener('DOMContentLoaded', () => {
  window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#reference',
    deepLinking: true,
    tryItOutEnabled: true,
    // The bearer token typed into "Authorize" stays in this tab only (not kept in localStorage).
    persistAuthorization: false,
    // The default sends the document to validator.swagger.io: nothing leaves this server.
    validatorUrl: null,
    displayRequestDuration: true,
  });
});
