"""Brand logos: PNG only, small, kept in LOGO_STORAGE (see uploads). Administration stores them,
the sign-in page and the header show them."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from portal import uploads


def logo_dir() -> Path:
    return Path(current_app.config["LOGO_STORAGE"])


def accept(upload: FileStorage) -> uploads.Upload:
    """A logo to store with its brand, or ValidationError.

    PNG only: an SVG can carry scripts, and sanitising it well is a project of its own.
    """
    limit = current_app.config["MAX_LOGO_BYTES"]
    return uploads.accept(
        upload,
        logo_dir(),
        types={"image/png"},
        limit=limit,
        wrong_type=_("The logo must be a PNG image."),
        too_large=_("The logo is too large: at most %(size)s KB.", size=limit // 1024),
    )
