// The API documentation page: Swagger UI over the portal's OpenAPI document (no inline script:
// the CSP forbids them). "Try it out" needs an API token, entered with Authorize.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("api-docs");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: false,
    tryItOutEnabled: false,
  });
});
