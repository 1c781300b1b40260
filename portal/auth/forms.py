from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.config import LANGUAGES
from portal.forms import PortalForm


class LoginForm(PortalForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class LanguageForm(PortalForm):
    locale = SelectField(choices=[SelectChoice(code) for code in LANGUAGES])
    next = HiddenField()


class NewPasswordForm(PortalForm):
    """A password chosen through an emailed link (first password or reset)."""

    password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    confirmation = PasswordField(
        _l("Confirm the new password"), render_kw={"autocomplete": "new-password"}
    )

    def validate_confirmation(self, field):
        from portal.validators import check_new_password

        try:
            check_new_password(self.password.data or "", field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from None


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
