"""Form pieces every feature may use."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """Carries the CSRF token for button-only posts (sign out, deactivate, send again)."""
