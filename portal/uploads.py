"""Uploaded files (document scans, brand logos): checked by their first bytes, kept outside
static/ under generated names, and on disk only while a committed row names them.

`accept()` checks an upload and names it, writing nothing; `save()` writes it once the rules
have accepted the change, and the unit of work removes it again if the change rolls back;
`discard()` removes a file once the change that stops naming it has committed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from portal.db import after_commit, on_rollback
from portal.validators import ValidationError

# What the first bytes of each accepted type are; the browser's Content-Type is not trusted.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class Upload:
    """An accepted upload, named but not yet written."""

    file: FileStorage
    directory: Path
    stored_name: str
    content_type: str
    size: int

    @property
    def original_name(self) -> str:
        """The sender's file name, made safe to show and to offer as a download name."""
        return (secure_filename(self.file.filename or "") or self.stored_name)[:200]


def sniff(upload: FileStorage) -> tuple[str | None, int]:
    """(content type by the first bytes, or None; size in bytes). The stream is left at 0."""
    head = upload.stream.read(16)
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    kind = next((t for signature, t in SIGNATURES.items() if head.startswith(signature)), None)
    return kind, size


def accept(
    upload: FileStorage,
    directory: Path,
    *,
    types: set[str],
    limit: int,
    wrong_type: str,
    too_large: str,
) -> Upload:
    """The upload, named under `directory`; ValidationError (with the caller's words) when it
    is empty, larger than `limit` bytes or not one of `types`."""
    content_type, size = sniff(upload)
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > limit:
        raise ValidationError(too_large)
    if content_type not in types:
        raise ValidationError(wrong_type)
    stored_name = secrets.token_hex(16) + EXTENSIONS[content_type]
    return Upload(upload, directory, stored_name, content_type, size)


def save(upload: Upload) -> None:
    """Write the file of a change the rules accepted; it goes again if the change rolls back."""
    upload.directory.mkdir(parents=True, exist_ok=True)
    path = upload.directory / upload.stored_name
    upload.file.save(path)
    on_rollback(lambda: path.unlink(missing_ok=True))


def discard(directory: Path, stored_name: str | None) -> None:
    """Remove a file once the change that no longer names it has committed."""
    if stored_name:
        after_commit(lambda: (directory / stored_name).unlink(missing_ok=True))
