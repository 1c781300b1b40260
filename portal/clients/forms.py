from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField

from portal.models import ClientStatus, PaymentStatus

SORTS = {
    "name": _l("Name A–Z"),
    "-name": _l("Name Z–A"),
    "-created": _l("Newest first"),
    "created": _l("Oldest first"),
}
PAGE_SIZES = (25, 50, 100)


class ClientSearchForm(FlaskForm):
    """The list's query string. Read with csrf off: a GET changes nothing."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"))
    status = SelectField(_l("Status"), choices=[])
    payment = SelectField(_l("Payment situation"), choices=[])
    sort = SelectField(_l("Sort"), choices=[])
    per = SelectField(_l("Per page"), choices=[], default="25")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("All statuses")), *ClientStatus.choices()]
        self.payment.choices = [
            SelectChoice("", _l("All payment situations")),
            *PaymentStatus.choices(),
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
            "sort": ok(self.sort, "name"),
            "per_page": int(ok(self.per, "25")),
        }
