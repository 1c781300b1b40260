"""The outbox: every outgoing email is stored first, then sent by the configured mail backend."""
