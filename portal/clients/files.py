"""Document scans: checked by their content, kept outside static/ under generated names."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from portal.validators import ValidationError

# What the first bytes of each accepted type are; the browser's Content-Type is not trusted.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def storage_dir() -> Path:
    return Path(current_app.config["DOCUMENT_STORAGE"])


def sniff(upload: FileStorage) -> tuple[str, int]:
    """The content type and size of an upload, or ValidationError."""
    head = upload.stream.read(16)
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    limit = current_app.config["MAX_DOCUMENT_BYTES"]
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > limit:
        raise ValidationError(
            _("The file is too large: at most %(size)s MB.", size=limit // (1024 * 1024))
        )
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type, size
    raise ValidationError(_("Only PDF, JPEG and PNG files are accepted."))


def store_document(upload: FileStorage) -> dict:
    content_type, size = sniff(upload)
    stored_name = secrets.token_hex(16) + EXTENSIONS[content_type]
    directory = storage_dir()
    directory.mkdir(parents=True, exist_ok=True)
    upload.save(directory / stored_name)
    original = secure_filename(upload.filename or "") or stored_name
    return {
        "file_name": original[:200],
        "stored_name": stored_name,
        "content_type": content_type,
        "size": size,
    }


def download_name(document) -> str:
    """The name a scan downloads under, with the extension of what it really is: a PDF sent as
    'evil.html' downloads as 'evil.pdf'."""
    stem = Path(document.file_name or "document").stem or "document"
    return stem + EXTENSIONS.get(document.content_type, "")


def path_of(stored_name: str) -> Path:
    return storage_dir() / stored_name


def remove(stored_name: str | None) -> None:
    if stored_name:
        path_of(stored_name).unlink(missing_ok=True)
