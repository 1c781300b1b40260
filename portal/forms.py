"""Form pieces every feature may use."""

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


class PortalForm(FlaskForm):
    """Every form of the portal. WTForms' own messages ("Not a valid integer value.") are in
    the reader's language, from a catalog read once per process and language: Flask-WTF
    reads it from disk again in every request that builds a form."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_catalog(str(get_locale()))


@lru_cache(maxsize=16)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class EmptyForm(PortalForm):
    """Carries the CSRF token for button-only posts (sign out, deactivate, send again)."""
