"""Static files: cached by browsers for a year under a versioned URL; text compressed.

- `url_for("static", filename=...)` adds `v=<hash of the file's content>`. An answer to a URL
  whose `v` is the file's current hash is `Cache-Control: public, max-age=31536000,
  immutable`: the browser never asks again, and a changed file has a new URL. Any other URL of
  a static file (no `v`, or an old one) keeps Flask's revalidated answer (no-cache + ETag).
- Text answers (pages, fragments, CSS, JavaScript, JSON) are compressed by the portal itself
  (Flask-Compress: zstd, brotli or gzip, as the browser accepts) unless COMPRESS_RESPONSES is
  off, for a deployment whose reverse proxy compresses them instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, request
from flask_compress import Compress

IMMUTABLE = "public, max-age=31536000, immutable"
TEXT_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
]

compress = Compress()
_hashes: dict[tuple[str, str], tuple[float, str | None]] = {}  # per process


def content_hash(filename: str) -> str | None:
    """The first 12 hex digits of the SHA-256 of a static file (None for no such file).

    Read once per process; in debug mode again whenever the file changes."""
    key = (current_app.static_folder, filename)
    known = _hashes.get(key)
    if known is not None and not current_app.debug:
        return known[1]
    folder = Path(current_app.static_folder).resolve()
    path = (folder / filename).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    mtime = path.stat().st_mtime
    if known is None or known[0] != mtime:
        known = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
        _hashes[key] = known
    return known[1]


def _add_version(endpoint: str, values: dict) -> None:
    """url_defaults: the content hash of a static file in its URL."""
    if endpoint == "static" and "v" not in values and "filename" in values:
        if (version := content_hash(values["filename"])) is not None:
            values["v"] = version


def _static_answer(response):
    """after_request: a static file asked for by its current hash is cached for a year; a
    text file is read whole (a few dozen KB), for Flask-Compress to compress it as a page: its
    streaming path would leave the file for the garbage collector to close."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    version = request.args.get("v")
    filename = (request.view_args or {}).get("filename", "")
    if version and version == content_hash(filename):
        response.headers["Cache-Control"] = IMMUTABLE
    if response.status_code == 200 and response.mimetype in TEXT_TYPES:
        response.direct_passthrough = False
        response.make_sequence()  # closes the file once the answer is sent
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.config.setdefault("COMPRESS_MIMETYPES", TEXT_TYPES)
    app.config.setdefault("COMPRESS_REGISTER", app.config.get("COMPRESS_RESPONSES", True))
    compress.init_app(app)
    app.after_request(_static_answer)  # after Flask-Compress's hook: so it runs before it
