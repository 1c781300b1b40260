"""Document scans: PDF, JPEG or PNG by their content, kept in DOCUMENT_STORAGE (see uploads)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from portal import uploads


def storage_dir() -> Path:
    return Path(current_app.config["DOCUMENT_STORAGE"])


def accept(upload: FileStorage) -> uploads.Upload:
    """A scan to store with its document, or ValidationError."""
    limit = current_app.config["MAX_DOCUMENT_BYTES"]
    return uploads.accept(
        upload,
        storage_dir(),
        types={"application/pdf", "image/jpeg", "image/png"},
        limit=limit,
        wrong_type=_("Only PDF, JPEG and PNG files are accepted."),
        too_large=_("The file is too large: at most %(size)s MB.", size=limit // (1024 * 1024)),
    )


def columns(upload: uploads.Upload) -> dict:
    """What a Document row records of its scan."""
    return {
        "file_name": upload.original_name,
        "stored_name": upload.stored_name,
        "content_type": upload.content_type,
        "size": upload.size,
    }


def download_name(document) -> str:
    """The name a scan downloads under, with the extension of what it really is: a PDF sent as
    'evil.html' downloads as 'evil.pdf'."""
    stem = Path(document.file_name or "document").stem or "document"
    return stem + uploads.EXTENSIONS.get(document.content_type, "")


def path_of(stored_name: str) -> Path:
    return storage_dir() / stored_name


def discard(stored_name: str | None) -> None:
    """The scan goes once the change that drops it has committed."""
    uploads.discard(storage_dir(), stored_name)
