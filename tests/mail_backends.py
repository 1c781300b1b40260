"""A mail backend for tests: a mail server that is down."""

from flask_mailman.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server at 127.0.0.1:2525 refused the connection")
