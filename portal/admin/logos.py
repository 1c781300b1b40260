"""Brand logos: PNG only, small, kept in instance/logos/ under generated names."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from portal.validators import ValidationError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def logo_dir() -> Path:
    return Path(current_app.config["LOGO_STORAGE"])


def store_logo(upload: FileStorage) -> str:
    """Save a PNG upload and return its stored name; ValidationError for anything else.

    PNG only: an SVG can carry scripts, and sanitising it well is a project of its own.
    """
    head = upload.stream.read(len(PNG_SIGNATURE))
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if head != PNG_SIGNATURE:
        raise ValidationError(_("The logo must be a PNG image."))
    limit = current_app.config["MAX_LOGO_BYTES"]
    if size > limit:
        raise ValidationError(_("The logo is too large: at most %(size)s KB.", size=limit // 1024))
    stored_name = secrets.token_hex(16) + ".png"
    logo_dir().mkdir(parents=True, exist_ok=True)
    upload.save(logo_dir() / stored_name)
    return stored_name


def remove_logo(stored_name: str | None) -> None:
    if stored_name:
        (logo_dir() / stored_name).unlink(missing_ok=True)
