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
let announceTimer = null;  // the pending announcement of the last swap (announceStatus)
document.addEventListener("htmx:beforeRequest", (event) => {
  // What the last swap announced is over: the live region must not keep it (nor say it late).
  window.clearTimeout(announceTimer);
  const live = document.getElementById("announcer");
  if (live) live.textContent = "";
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
  window.clearTimeout(announceTimer);
  announceTimer = window.setTimeout(() => { live.textContent = text; }, 50);
}

// Cancel on a form inside <details> (a new contact, a new document…) clears it and closes it.
document.addEventListener("click", (event) => {
  const cancel = event.target.closest && event.target.closest("[data-close-details]");
  const details = cancel && cancel.closest("details");
  if (details) details.open = false;
});

// A click on a field's value opens its editor, as its Edit link does (templates/clients/
// _field.html). The keyboard reaches the same editor through that link, the next tab stop:
// the value itself stays text (a mailto or WhatsApp link in it still works as a link).
document.addEventListener("click", (event) => {
  const value = event.target.closest && event.target.closest("[data-edit-value]");
  if (!value || event.target.closest("a, button, input, select, textarea")) return;
  if (window.getSelection && String(window.getSelection())) return; // selecting to copy
  const edit = value.closest(".field").querySelector(".edit-link");
  if (edit) edit.click();
});

// --- every htmx request shows that it runs, and says when it failed ----------------------
// The words come from the page (data-htmx-* on <body>, in the reader's language).
// 409 and 422 carry their own message in the swapped fragment (base.html, responseHandling).

const REQUEST_TIMEOUT_MS = 30000;
document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx && !window.htmx.config.timeout) window.htmx.config.timeout = REQUEST_TIMEOUT_MS;
});

function message(name) {
  return document.body.dataset[name] || document.body.dataset.htmxFailed || "";
}

function failureMessage(status) {
  if (status === 400) return message("htmxBadRequest");
  if (status === 401 || status === 419) return message("htmxSignedOut");
  if (status === 403) return message("htmxForbidden");
  if (status === 404 || status === 410) return message("htmxGone");
  if (status === 413) return message("htmxTooLarge");
  if (status === 429) return message("htmxTooMany");
  return message("htmxFailed");
}

// Where the user acted: the form, else the element that made the request.
function placeOf(elt) {
  return (elt.closest && elt.closest("form")) || elt;
}

// The element that shows the spinner: the button pressed, the link followed; for a search
// box or a select, the region being refreshed.
function busyElementOf(detail) {
  const elt = detail.elt;
  const submitter = detail.requestConfig && detail.requestConfig.triggeringEvent
    ? detail.requestConfig.triggeringEvent.submitter
    : null;
  if (submitter) return submitter;
  if (elt.matches("form")) return elt.querySelector("button[type=submit], button:not([type])");
  if (elt.matches("a, button")) return elt;
  if ((elt.getAttribute("hx-trigger") || "").startsWith("every")) return null; // polling
  return detail.target || null;
}

function clearFailure(place) {
  const shown = place.htmxFailure;
  if (shown && shown.isConnected) shown.remove();
  place.htmxFailure = null;
}

function showFailure(elt, text) {
  const place = placeOf(elt);
  clearFailure(place);
  const note = document.createElement("p");
  note.className = "error-message htmx-failure";
  note.setAttribute("role", "alert");
  note.textContent = text;
  if (place.matches("form")) place.append(note);
  else place.insertAdjacentElement("afterend", note);
  place.htmxFailure = note;
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const detail = event.detail;
  clearFailure(placeOf(detail.elt));
  const busy = busyElementOf(detail);
  if (busy) {
    busy.setAttribute("aria-busy", "true");
    detail.elt.portalBusy = busy;
  }
});

document.addEventListener("htmx:afterRequest", (event) => {
  const busy = event.detail.elt.portalBusy;
  if (busy) {
    busy.removeAttribute("aria-busy");
    event.detail.elt.portalBusy = null;
  }
});

document.addEventListener("htmx:responseError", (event) => {
  showFailure(event.detail.elt, failureMessage(event.detail.xhr.status));
});
document.addEventListener("htmx:sendError", (event) => {
  showFailure(event.detail.elt, message("htmxOffline"));
});
document.addEventListener("htmx:timeout", (event) => {
  showFailure(event.detail.elt, message("htmxTimeout"));
});
