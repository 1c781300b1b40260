from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Regexp
from wtforms.validators import ValidationError as WTFValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal import logos
from portal.admin.features import FEATURES
from portal.forms import PortalForm
from portal.locale import country_choices, language_choices
from portal.models.brand import SLUG
from portal.permissions import GRANTABLE
from portal.tracking import TemplateError, check_template
from portal.validators import Normalized, ValidationError, check_text, normalize_email


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_email(value: str) -> str:
    return normalize_email(value) if (value or "").strip() else ""


def _name_field(label=None, max_length=80):
    return StringField(
        label or _l("Name"),
        validators=[Normalized(check_text, required=True, max_length=max_length)],
        render_kw={"maxlength": max_length},
    )


class GroupForm(PortalForm):
    name = _name_field()
    permissions = CheckboxesField(_l("Permissions"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.permissions.choices = [SelectChoice(p.name, p.label) for p in GRANTABLE]


class ClientGroupForm(PortalForm):
    name = _name_field()
    features = CheckboxesField(_l("Features of the tracking platform"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.features.choices = [SelectChoice(key, label) for key, label in FEATURES.items()]


class StaffUserForm(PortalForm):
    """Invite a person: the name and language are those of a new account (an existing account
    keeps its own); the holder chooses their password through the emailed link."""

    email = StringField(
        _l("Email"), validators=[Normalized(normalize_email)], render_kw={"maxlength": 254}
    )
    name = _name_field(max_length=120)
    locale = SelectField(_l("Language"), choices=[])
    group_id = SelectField(_l("Permission group"), choices=[], coerce=int)

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices()
        self.group_id.choices = [SelectChoice(g.id, g.label) for g in groups]


class MemberGroupForm(PortalForm):
    group_id = SelectField(_l("Permission group"), choices=[], coerce=int)

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice(g.id, g.label) for g in groups]


class BrandForm(PortalForm):
    name = _name_field(max_length=120)
    slug = StringField(
        _l("Web address"),
        validators=[
            InputRequired(),
            Length(min=2, max=63),
            Regexp(
                SLUG,
                message=_l("Use a–z, 0–9 and dashes, with no dash at the start or end."),
            ),
        ],
        filters=[lambda value: (value or "").strip().lower()],
        render_kw={"maxlength": 63},
    )
    parent_id = SelectField(_l("Parent brand"), choices=[], coerce=lambda v: int(v) if v else None)
    default_locale = SelectField(_l("Default language"), choices=[])
    country_code = SelectField(_l("Country"), choices=[])
    tracking_url_template = StringField(
        _l("Tracking address template"),
        render_kw={"maxlength": 255, "placeholder": "https://tracking.{country}.example.com"},
    )
    theme_color = StringField(
        _l("Theme colour"),
        # \Z, not $: "$" also matches before a final line break ("#112233\n").
        validators=[Regexp(r"#[0-9a-f]{6}\Z", message=_l("Choose a colour."))],
        filters=[lambda value: (value or "").strip().lower()],
        render_kw={"type": "color"},
    )
    logo = FileField(_l("Logo (PNG)"))
    accepted_logo = None  # set by validate_logo
    active = BooleanField(_l("Active: its staff can sign in"))
    # Blank: the brand's name at the platform's address (MAIL_DEFAULT_SENDER).
    mail_from_name = StringField(
        _l("Emails sent as (name)"),
        validators=[Normalized(check_text, required=False, max_length=120)],
        render_kw={"maxlength": 120},
    )
    mail_from_address = StringField(
        _l("Emails sent from (address)"),
        validators=[Normalized(_optional_email)],
        render_kw={"maxlength": 254},
    )
    support_email = StringField(
        _l("Support address (clients' replies go here)"),
        validators=[Normalized(_optional_email)],
        render_kw={"maxlength": 254},
    )
    transfer_needs_client_consent = BooleanField(
        _l("Clients transferred in from another brand tree must agree by email")
    )

    def __init__(self, parents, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = [SelectChoice("", _l("None: a main brand"))] + [
            SelectChoice(str(b.id), b.name) for b in parents
        ]
        self.default_locale.choices = language_choices()
        self.country_code.choices = country_choices()

    def validate_logo(self, field):
        """An accepted logo waits in `accepted_logo`; it is written with the brand's change."""
        self.accepted_logo = None
        if field.data:
            try:
                self.accepted_logo = logos.accept(field.data)
            except ValidationError as error:
                raise WTFValidationError(str(error)) from None

    def validate_tracking_url_template(self, field):
        try:
            field.data = check_template(field.data)
        except TemplateError as error:
            raise WTFValidationError(str(error)) from None
