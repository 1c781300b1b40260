from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    IntegerField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length
from wtforms.validators import ValidationError as WTFValidationError
from wtforms.widgets import HiddenInput

from portal.forms import PortalForm
from portal.models import ClientStatus, PaymentStatus
from portal.validators import Normalized, check_new_password, normalize_email

SORTS = {
    "name": _l("Name A–Z"),
    "-name": _l("Name Z–A"),
    "-created": _l("Newest first"),
    "created": _l("Oldest first"),
}
PAGE_SIZES = (25, 50, 100)


class ClientSearchForm(PortalForm):
    """The list's query string. Read with csrf off: a GET changes nothing."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"))
    status = SelectField(_l("Status"), choices=[])
    payment = SelectField(_l("Payment situation"), choices=[])
    access = SelectField(_l("Tracking platform"), choices=[])
    sort = SelectField(_l("Sort"), choices=[])
    per = SelectField(_l("Per page"), choices=[], default="25")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("All statuses")), *ClientStatus.choices()]
        self.payment.choices = [
            SelectChoice("", _l("All payment situations")),
            *PaymentStatus.choices(),
        ]
        self.access.choices = [
            SelectChoice("", _l("With or without access")),
            SelectChoice("yes", _l("Has access")),
            SelectChoice("no", _l("No access")),
            SelectChoice("no_sign_in", _l("Cannot sign in yet")),
        ]
        self.sort.choices = [SelectChoice(value, label) for value, label in SORTS.items()]
        self.per.choices = [SelectChoice(str(n)) for n in PAGE_SIZES]

    def cleaned(self) -> dict:
        """Valid values only: a malformed parameter is dropped, never an error."""
        self.validate()

        def ok(field, default=None):
            return default if field.errors or not field.data else field.data

        return {
            "q": (ok(self.q, "") or "")[:200].strip(),
            "status": ok(self.status),
            "payment": ok(self.payment),
            "access": ok(self.access),
            "sort": ok(self.sort, "name"),
            "per_page": int(ok(self.per, "25")),
        }

    @staticmethod
    def list_args(params: dict) -> dict:
        """The query string of a list with these params, without defaults: the base of its
        paging links, and of a link back to it."""
        args = {
            "q": params["q"],
            "status": params["status"],
            "payment": params["payment"],
            "access": params["access"],
            "sort": params["sort"] if params["sort"] != "name" else None,
            "per": params["per_page"] if params["per_page"] != 25 else None,
        }
        return {key: value for key, value in args.items() if value}


def record_form_class(fields, client):
    """The form class of some registry fields (their choices read for `client`)."""

    class RecordForm(PortalForm):
        version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    for field in fields:
        setattr(RecordForm, field.form_name, field.build(client))
    return RecordForm


def validate_changes(form) -> bool:
    """Validate a tab's form, except the values sent back as they are stored: a value saved
    before today's rules (a legacy import's phone, say) never blocks saving the others, as
    the inline editor checks only the field it edits. Changing it checks it."""
    form.validate()
    for registry_field in form.record_fields:
        field = form[registry_field.form_name]
        if field.errors and _same(field.data, field.object_data):
            field.errors = []
    return not form.errors


def _same(sent, stored) -> bool:
    return sent == stored or (sent in ("", None) and stored in ("", None))


def record_form(fields, client, *, fresh: bool = False, formdata=None, form_class=None):
    """A form for some registry fields of one client, filled with its current values.

    Only these fields and the version are bound: brand, ids and roles never come from input.
    `fresh` ignores the posted data: the stored values, to show after a refused save.
    `formdata` checks values that did not come from a page (the API's JSON), with the same
    fields and validators; such a request carries no CSRF token (it has a bearer token).
    `form_class` (from record_form_class) saves building the fields again for each of many
    clients whose choices are the same (an import's rows).
    """

    RecordForm = form_class or record_form_class(fields, client)
    data = {field.form_name: field.get(client) for field in fields}
    extra = {"formdata": None} if fresh else {}
    if formdata is not None:
        extra = {"formdata": formdata, "meta": {"csrf": False}}
    form = RecordForm(data={**data, "version": client.version}, **extra)
    if "country_code" not in form:  # else the validators read the country being typed in
        form.country_code = client.country_code
    form.record_fields = fields
    return form


class StatusForm(PortalForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=ClientStatus.choices, coerce=ClientStatus.coerce)
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)])


class PaymentForm(PortalForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    payment_status = SelectField(
        _l("Payment situation"), choices=PaymentStatus.choices, coerce=PaymentStatus.coerce
    )


class ClientLoginForm(PortalForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    login_email = StringField(
        _l("Login (email)"),
        validators=[Normalized(normalize_email)],
        render_kw={"maxlength": 254, "autocomplete": "off"},
    )
    password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    confirmation = PasswordField(
        _l("Confirm the new password"), render_kw={"autocomplete": "new-password"}
    )

    def validate_confirmation(self, field):
        if self.password.data or field.data:
            try:
                check_new_password(self.password.data or "", field.data or "")
            except ValueError as error:
                raise WTFValidationError(str(error)) from None


class ImportFileForm(PortalForm):
    """The spreadsheet to import (read by portal.clients.importing, whatever its name says)."""

    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a file."))])


def mapping_form(
    headers: list[str], mapping: list[str], choices: list[SelectChoice], formdata=None
):
    """One choice of the portal's columns (or none) per header of the file."""

    class MappingForm(PortalForm):
        pass

    for index, header in enumerate(headers):
        field = SelectField(header or "—", choices=choices, default=mapping[index])
        setattr(MappingForm, f"column_{index}", field)
    form = MappingForm(formdata=formdata)
    form.columns = [form[f"column_{index}"] for index in range(len(headers))]
    return form
