"""Error pages, in the reader's language, for every kind of refusal.

A feature that speaks another format (the REST API's problem details) renders the errors of
its own paths through `render_errors_under`, with the same titles and details.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.db import rollback
from portal.serving import request_id


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        return _page(429, error=error)

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        return _page(400, _("Your form expired. Please reload the page and try again."), error)

    @app.errorhandler(HTTPException)
    def http_error(error):
        # abort(400, description=_("…")) gives the page a sentence of its own; Werkzeug's
        # default descriptions are English and say nothing a user can act on.
        own = error.description if error.description != type(error).description else None
        if error.code == 413 and own is None:
            limit = current_app.config["MAX_DOCUMENT_BYTES"] // (1024 * 1024)
            own = _("A file can be at most %(size)d MB, and a form's text far less.", size=limit)
        return _page(error.code or 500, own, error)

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unhandled error (request %s)", request_id())
        rollback()  # before the error page reads anything
        return _page(500)


def render_errors_under(app: Flask, path_prefix: str, renderer) -> None:
    """Errors of requests under `path_prefix` go to `renderer(code, title, detail, error)`."""
    app.extensions.setdefault("portal.error_renderers", []).append((path_prefix, renderer))


def _page(code: int, detail: str | None = None, error: Exception | None = None):
    titles = {
        400: _("The request could not be understood."),
        401: _("Sign in first: this needs a valid API token."),
        403: _("You do not have permission to do this."),
        404: _("Page not found."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state: reload and try again."),
        412: _("Someone else changed this meanwhile: here is the current version."),
        415: _("Send the data as JSON."),
        422: _("Some values are not valid."),
        428: _("Say which version you are changing (If-Match)."),
        413: _("What you sent is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again."),
    }
    title = titles.get(code, titles[500] if code >= 500 else titles[400])
    for prefix, renderer in current_app.extensions.get("portal.error_renderers", ()):
        if request.path.startswith(prefix):
            return renderer(code, title, detail, error)
    return render_template(
        "errors/error.html", code=code, title=title, detail=detail, request_id=request_id()
    ), code
