"""The browser's cookie: Flask's signed session (the key of the server-side session, the CSRF
token, the flashes), its serializer made once."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask builds the serializer and its signer anew to open and again to save each
    request's cookie; they change only with the secret keys."""

    def __init__(self) -> None:
        self._made: tuple | None = None  # (the keys, the serializer)

    def get_signing_serializer(self, app: Flask):
        keys = (app, app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._made is None or self._made[0] != keys:
            serializer = super().get_signing_serializer(app)
            if serializer is None:  # no secret key: Flask refuses to sign
                return None
            self._made = (keys, serializer)
        return self._made[1]
