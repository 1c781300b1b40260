"""Mail backends for tests: a mail server that is down, one that fails then recovers, and a
small real SMTP server to speak to over a socket."""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy

from flask_mailman.backends.base import BaseEmailBackend
from flask_mailman.backends.locmem import EmailBackend as LocmemBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server at 127.0.0.1:2525 refused the connection")


class FlakyEmailBackend(LocmemBackend):
    """Refuses the first `failures` sends (then delivers to the locmem outbox)."""

    failures = 0

    def send_messages(self, email_messages):
        if FlakyEmailBackend.failures > 0:
            FlakyEmailBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server refused the connection")
        return super().send_messages(email_messages)


class SMTPServer:
    """A plain SMTP server on 127.0.0.1 (no TLS, no auth) that keeps what it was told: the
    EHLO name, the envelope and each message as received."""

    def __init__(self):
        self.ehlo: list[str] = []
        self.messages: list = []
        self.envelopes: list[tuple[str, list[str]]] = []
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 test.smtp ESMTP ready")
                sender, recipients = None, []
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        server.ehlo.append(command[5:])
                        self.reply("250-test.smtp")
                        self.reply("250 8BITMIME")
                    elif verb == "MAIL":
                        sender, recipients = command.split(":", 1)[1].strip(), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip())
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        data = b""
                        while (chunk := self.rfile.readline()) != b".\r\n":
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        server.envelopes.append((sender, recipients))
                        server.messages.append(message_from_bytes(data, policy=policy.default))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
