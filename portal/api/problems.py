"""Errors as RFC 9457 problem details, in the caller's language (Accept-Language).

{"type": "about:blank", "title": "…", "status": 422, "detail": "…",
 "errors": {"address.postal_code": ["A French postal code has 5 digits, as in 75008."]}}
"""

from __future__ import annotations

from flask import abort, jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

# marshmallow's own messages (types, unknown or missing fields), in the caller's language.
MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("This field is not known here."),
    "Field may not be null.": _l("This field cannot be empty."),
    "Not a valid string.": _l("Enter text here."),
    "Not a valid integer.": _l("Enter a whole number here."),
    "Not a valid boolean.": _l("Enter true or false here."),
    "Invalid input type.": _l("This value has the wrong type."),
    "Invalid value.": _l("This value is not one of the choices."),
    "Must be one of: {choices}.": _l("This value is not one of the choices."),
    "Invalid input.": _l("This value is not valid."),
}


def refuse(status: int, detail: str | None = None, errors: dict | None = None):
    """Stop with a problem: its `detail`, and what is wrong with each field."""
    try:
        abort(status, description=detail) if detail else abort(status)
    except HTTPException as error:
        error.data = {"errors": errors} if errors else {}
        raise


def problem(status: int, title: str, detail: str | None = None, **members):
    body = {"type": "about:blank", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    body.update({key: value for key, value in members.items() if value is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def field_errors(messages) -> dict[str, list[str]]:
    """webargs/marshmallow messages -> {"field.path": [localized messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                # webargs nests messages under where they came from: json, query, …
                where = not path and key in ("json", "query", "form", "headers", "path")
                walk(inner, path if where else [*path, str(key)])
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner, path)
        else:
            text = str(value)
            known = MARSHMALLOW_MESSAGES.get(text)
            if known is None and text.startswith("Must be one of:"):
                known = MARSHMALLOW_MESSAGES["Must be one of: {choices}."]
            flat.setdefault(".".join(path) or "body", []).append(str(known or text))

    walk(messages, [])
    return flat


def render(code: int, title: str, detail: str | None, error: Exception | None):
    """portal.errors renders every error under /api/ through this."""
    data = getattr(error, "data", None) or {}
    errors = field_errors(data["messages"]) if "messages" in data else data.get("errors")
    headers = data.get("headers") or {}
    response = problem(code, title, detail, errors=errors)
    response.headers.update(headers)
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
