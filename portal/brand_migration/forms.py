from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional


class MigrateForm(FlaskForm):
    target = SelectField(_l("Target brand"), choices=[], coerce=lambda v: int(v) if v else None)
    preferred_date = DateField(_l("Preferred date"), validators=[Optional()])
    override_reason = TextAreaField(
        _l("Reason to migrate despite the contract"), validators=[Length(max=500)]
    )

    def __init__(self, targets, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = [SelectChoice("", _l("Choose a brand"))] + [
            SelectChoice(str(b.id), b.name) for b in targets
        ]
