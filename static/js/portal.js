// Small behaviours htmx leaves to us (no inline scripts: the CSP forbids them).
document.addEventListener("keydown", (event) => {
  // Escape in an inline edit puts the value back, as the Cancel button does.
  if (event.key !== "Escape") return;
  const form = event.target.closest && event.target.closest("form.inline-edit");
  const cancel = form && form.querySelector("[data-cancel]");
  if (cancel) {
    event.preventDefault();
    cancel.click();
  }
});
