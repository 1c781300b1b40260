from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import PortalForm
from portal.locale import local_today


def not_in_the_past(form, field) -> None:
    """A preferred date is today (run now) or later (scheduled); a past one is a typo."""
    if field.data is not None and field.data < local_today():
        raise ValidationError(_l("The preferred date has passed: choose today or a later date."))


class MigrateForm(PortalForm):
    target = SelectField(_l("Target brand"), choices=[], coerce=lambda v: int(v) if v else None)
    preferred_date = DateField(
        _l("Preferred date"),
        validators=[Optional(), not_in_the_past],
    )
    override_reason = TextAreaField(
        _l("Reason to migrate despite the contract"), validators=[Length(max=500)]
    )

    def __init__(self, targets, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = [SelectChoice("", _l("Choose a brand"))] + [
            SelectChoice(str(b.id), b.name) for b in targets
        ]


class RefuseTransferForm(PortalForm):
    """Refusing a transfer needs a reason: the brand that asked reads it."""

    reason = TextAreaField(_l("Reason for refusing"), validators=[InputRequired(), Length(max=500)])


class ClientAnswerForm(PortalForm):
    reason = TextAreaField(_l("Anything to add (optional)"), validators=[Length(max=500)])
