"""What a request's input must be before any view or query sees it.

- No control characters. A NUL byte (PostgreSQL refuses it in text) or another C0 control in
  the path, the query string or a form field is refused with a 400 that says why. Tab, line
  feed and carriage return pass: multi-line fields take them, and one-line fields refuse them
  with their own message (validators.check_text).
- Ids a database can hold. The `int` URL converter stops at 2^31 - 1 (PostgreSQL's integer),
  so a larger id is a 404 like any unknown one; `parse_id` does the same for ids in forms.
"""

from __future__ import annotations

import itertools
import re

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a positive id no larger than the database's integer.

    The range is in the pattern itself, not only checked after matching: Werkzeug answers 405
    instead of 404 when a path has rules for several methods and a converter refuses the value.
    """

    regex = (
        r"(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
        r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
    )

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value) -> int | None:
    """An id typed or posted in a form, or None for anything that cannot be one."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def refuse_control_characters() -> None:
    """before_request, first of all: no control character reaches a view or the database."""
    values = [request.path]
    if request.query_string:
        values += request.args.keys()
        values += itertools.chain.from_iterable(request.args.listvalues())
    if request.content_length or request.mimetype:  # a body: a form, files
        values += request.form.keys()
        values += itertools.chain.from_iterable(request.form.listvalues())
        values += (upload.filename or "" for upload in request.files.values())
    if any(has_control_characters(value) for value in values):
        abort(
            400,
            description=_(
                "What you sent contains an invisible control character (such as a NUL byte). "
                "Remove it and try again."
            ),
        )


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    # First of the before_request hooks: the rate limiter's keys read the form too.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)
