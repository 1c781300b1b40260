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

// Keyboard and screen-reader users keep their place when htmx replaces what they used: the
// inline editor takes the focus when it opens (and again after a refused save), the field's
// Edit link gets it back once saved or cancelled, and a record tab keeps it after loading.
let keepFocus = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  const field = elt.closest && elt.closest(".field[id]");
  keepFocus = field ? { field: field.id } : elt.closest && elt.closest("nav.tabs") ? { tab: true } : null;
});
document.addEventListener("htmx:afterSettle", (event) => {
  announceStatus(event.target);
  const wanted = keepFocus;
  keepFocus = null;  // one request, one move
  if (!wanted) return;
  let next = null;
  if (wanted.tab) {
    next = document.querySelector("nav.tabs [aria-current='page']");
  } else {
    const field = document.getElementById(wanted.field);
    if (!field) return;
    next = field.classList.contains("editing")
      ? field.querySelector("input:not([type=hidden]), select, textarea")
      : field.querySelector(".edit-link");
  }
  if (next && next !== document.activeElement) next.focus();
});

// What a swap says in a role="status" element (saved, a count of results, a message) is read
// out through one live region that is always on the page: a live region inserted together with
// its text is not announced reliably.
function announceStatus(root) {
  const live = document.getElementById("announcer");
  if (!live || !root || !root.querySelectorAll) return;
  const parts = [...root.querySelectorAll("[role=status]")];
  if (root.matches("[role=status]")) parts.unshift(root);
  const text = parts.map((part) => part.textContent.replace(/\s+/g, " ").trim()).filter(Boolean).join(" ");
  if (!text) return;
  live.textContent = "";
  window.setTimeout(() => { live.textContent = text; }, 50);
}
