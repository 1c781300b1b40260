"""Check and normalise what a reseller types into a client record.

Plain functions, no request and no database: each returns the value to store, or raises
`ValidationError` with a translated message (gettext is called when the check fails, so the
message is in the language of the request). `Normalized` plugs them into WTForms.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import phonenumbers
import zxcvbn
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType
from stdnum import luhn
from stdnum.br import cnpj, cpf
from stdnum.fr import siren, siret
from stdnum.pl import nip, pesel
from wtforms import Field
from wtforms.validators import ValidationError as FieldValidationError

__all__ = [
    "Normalized",
    "ValidationError",
    "check_card_expiry",
    "check_card_number",
    "check_new_password",
    "check_text",
    "normalize_document",
    "normalize_email",
    "normalize_phone",
    "normalize_postal_code",
]


class ValidationError(ValueError):
    """A value the user must correct; str() is the translated message to show."""


def _country(country_code: str | None) -> str:
    return (country_code or "").strip().upper()


# --- Email -------------------------------------------------------------------------------------


def normalize_email(value: str) -> str:
    """'  John.Doe@Example.COM ' -> 'John.Doe@example.com' (the local part keeps its case)."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Enter an email address."))
    if "@" not in text:
        raise ValidationError(_("An email address needs an @ sign, as in name@example.com."))
    if any(c.isspace() for c in text):
        raise ValidationError(_("An email address cannot contain spaces."))
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(
            _("This is not a valid email address: check it for typos, as in name@example.com.")
        ) from None


# --- Phone -------------------------------------------------------------------------------------

# Digits and what people put between them; phonenumbers would silently drop letters.
_PHONE_CHARACTERS = re.compile(r"[\d\s+().\-/]+")
_MOBILE_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.UNKNOWN,
}


def _phone_too_short() -> ValidationError:
    return ValidationError(_("This phone number is too short: check that no digit is missing."))


def _phone_too_long() -> ValidationError:
    return ValidationError(_("This phone number is too long: check for extra digits."))


def _phone_no_country() -> ValidationError:
    return ValidationError(
        _("Check the country code of this phone number, or enter it starting with + and the code.")
    )


def phone_as_stored(text: str, country_code: str | None) -> str | None:
    """A phone number typed the local way, whole or begun, as stored digits: '07852 305876'
    in GB -> '447852305876', '07852' -> '447852' (what a search looks for). None when `text`
    does not start with the country's trunk prefix (its digits are found as they are), or is
    no phone number at all."""
    text = (text or "").strip()
    metadata = PhoneMetadata.metadata_for_region(_country(country_code))
    trunk = metadata.national_prefix if metadata else None
    if not trunk or not _PHONE_CHARACTERS.fullmatch(text):
        return None
    typed = re.sub(r"\D", "", text)
    if not text.startswith(trunk) or len(typed) <= len(trunk) + 1:
        return None
    return f"{metadata.country_code}{typed[len(trunk) :]}"


def normalize_phone(value: str, country_code: str, *, mobile: bool = False) -> str:
    """'(11) 98765-4321' in BR -> '5511987654321': country code and number, digits only."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."))
    if not _PHONE_CHARACTERS.fullmatch(text):
        raise ValidationError(
            _("Enter the phone number with digits only: spaces, dashes and brackets are fine.")
        )
    try:
        number = phonenumbers.parse(text, _country(country_code) or None)
    except NumberParseException as error:
        if error.error_type == NumberParseException.TOO_LONG:
            raise _phone_too_long() from None
        if error.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise _phone_no_country() from None
        raise _phone_too_short() from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        raise _phone_too_short()
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        raise _phone_too_long()
    if reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        raise _phone_no_country()
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This is not a valid phone number: check the digits, including the area code.")
        )
    if mobile and phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError(_("This is not a mobile phone number: enter a mobile number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


# --- Tax and company documents -----------------------------------------------------------------

_DOCUMENT_SEPARATORS = re.compile(r"[\s./-]+")
_OTHER_DOCUMENT = re.compile(r"[^\W_]|[ ./-]")


def _valid_document(module: Any, number: str) -> bool:
    # stdnum accepts some all-same-digit numbers (CPF 111.111.111-11, NIP 0000000000, SIREN
    # 000000000): they pass the checksum but are placeholders, never issued numbers.
    return module.is_valid(number) and len(set(number)) > 1


def normalize_document(value: str, country_code: str) -> str:
    """A tax or company number, checked where the country's are known. Optional: '' -> ''.

    BR: CPF '123.456.789-09' or CNPJ '11.222.333/0001-81' (also the alphanumeric CNPJ).
    PL: PESEL '44051401359' or NIP '123-456-32-18'. FR: SIREN '732 829 320' or SIRET
    '732 829 320 00074'. Elsewhere: 3 to 40 letters, digits, spaces, '.', '-' and '/'.
    """
    text = (value or "").strip()
    if not text:
        return ""
    country = _country(country_code)
    number = _DOCUMENT_SEPARATORS.sub("", text).upper()
    if country == "BR":
        module = {11: cpf, 14: cnpj}.get(len(number))
        if module is None:
            raise ValidationError(
                _("A Brazilian CPF has 11 digits and a CNPJ has 14: check that none is missing.")
            )
        if not _valid_document(module, number):
            raise ValidationError(_("This is not a valid Brazilian CPF or CNPJ: check the digits."))
        return module.format(number)
    if country == "PL":
        number = number.removeprefix("PL")
        module = {11: pesel, 10: nip}.get(len(number))
        if module is None:
            raise ValidationError(
                _("A Polish PESEL has 11 digits and a NIP has 10: check that none is missing.")
            )
        if not _valid_document(module, number):
            raise ValidationError(_("This is not a valid Polish PESEL or NIP: check the digits."))
        return number if module is pesel else nip.format(number)
    if country == "FR":
        module = {9: siren, 14: siret}.get(len(number))
        if module is None:
            raise ValidationError(
                _("A French SIREN has 9 digits and a SIRET has 14: check that none is missing.")
            )
        if not _valid_document(module, number):
            raise ValidationError(_("This is not a valid French SIREN or SIRET: check the digits."))
        return module.format(number)
    text = " ".join(text.split())
    if not 3 <= len(text) <= 40 or not all(_OTHER_DOCUMENT.fullmatch(c) for c in text):
        raise ValidationError(
            _(
                "Enter %(min)d to %(max)d letters, digits, spaces, dots, dashes or slashes.",
                min=3,
                max=40,
            )
        )
    return text


# --- Postal codes ------------------------------------------------------------------------------

# The UK's published postcode shapes (outward code + inward code), spaces removed.
_GB_POSTCODE = re.compile(
    r"GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRVWXY])[0-9][ABD-HJLNP-UW-Z]{2}"
)
_OTHER_POSTAL_CODE = re.compile(r"[A-Z0-9][A-Z0-9 -]{0,8}[A-Z0-9]")


def normalize_postal_code(value: str, country_code: str) -> str:
    """'nw18nh' in GB -> 'NW1 8NH'; '01310100' in BR -> '01310-100'; '00950' in PL -> '00-950'."""
    text = " ".join((value or "").split()).upper()
    if not text:
        raise ValidationError(_("Enter a postal code."))
    country = _country(country_code)
    compact = re.sub(r"[\s.-]", "", text)
    if country == "GB":
        compact = text.replace(" ", "")
        if not _GB_POSTCODE.fullmatch(compact):
            raise ValidationError(_("This is not a valid UK postcode: enter it as in SW1A 1AA."))
        return f"{compact[:-3]} {compact[-3:]}"
    if country == "FR":
        if not re.fullmatch(r"\d{5}", compact):
            raise ValidationError(_("A French postal code has 5 digits, as in 75008."))
        return compact
    if country == "BR":
        if not re.fullmatch(r"\d{8}", compact):
            raise ValidationError(_("A Brazilian CEP has 8 digits, as in 01310-100."))
        return f"{compact[:5]}-{compact[5:]}"
    if country == "PL":
        if not re.fullmatch(r"\d{5}", compact):
            raise ValidationError(_("A Polish postal code has 5 digits, as in 00-950."))
        return f"{compact[:2]}-{compact[2:]}"
    if country == "PT":
        if not re.fullmatch(r"\d{7}", compact):
            raise ValidationError(_("A Portuguese postal code has 7 digits, as in 1000-001."))
        return f"{compact[:4]}-{compact[4:]}"
    if not _OTHER_POSTAL_CODE.fullmatch(text):
        raise ValidationError(
            _(
                "Enter a postal code of %(min)d to %(max)d letters, digits, spaces or dashes.",
                min=2,
                max=10,
            )
        )
    return text


# --- Payment cards -----------------------------------------------------------------------------

# (network, name shown, card lengths, IIN prefix ranges). Elo comes first: some of its ranges
# lie inside Visa's and Discover's. Elo's six-digit ranges are those of Braintree's
# credit-card-type list; the lengths follow it too, a little more lenient for Visa.
_ELO_RANGES = (
    (401178, 401179), (431274, 431274), (438935, 438935), (451416, 451416), (457393, 457393),
    (457631, 457632), (504175, 504175), (506699, 506778), (509000, 509999), (627780, 627780),
    (636297, 636297), (636368, 636368), (650031, 650033), (650035, 650051), (650405, 650439),
    (650485, 650538), (650541, 650598), (650700, 650718), (650720, 650727), (650901, 650978),
    (651652, 651679), (655000, 655019), (655021, 655058),
)  # fmt: skip
_CARD_NETWORKS: tuple[tuple[str, str, range, tuple[tuple[int, int], ...]], ...] = (
    ("elo", "Elo", range(16, 17), _ELO_RANGES),
    ("amex", "American Express", range(15, 16), ((34, 34), (37, 37))),
    ("jcb", "JCB", range(16, 20), ((3528, 3589),)),
    ("diners", "Diners Club", range(14, 20), ((36, 36), (300, 305))),
    ("discover", "Discover", range(16, 20), ((6011, 6011), (65, 65), (644, 649))),
    ("mastercard", "Mastercard", range(16, 17), ((51, 55), (2221, 2720))),
    ("visa", "Visa", range(13, 20), ((4, 4),)),
)


def _card_network(number: str) -> tuple[str, str, range] | None:
    for network, name, lengths, ranges in _CARD_NETWORKS:
        for low, high in ranges:
            if low <= int(number[: len(str(low))]) <= high:
                return network, name, lengths
    return None


def check_card_number(value: str) -> tuple[str, str]:
    """'4111 1111-1111 1111' -> ('visa', '1111'). The number itself never appears in a message."""
    number = re.sub(r"[\s-]", "", value or "")
    if not number:
        raise ValidationError(_("Enter the card number."))
    if not number.isascii() or not number.isdigit():
        raise ValidationError(
            _("Enter the card number with digits only: spaces and dashes are fine.")
        )
    if not 12 <= len(number) <= 19:
        raise ValidationError(
            _(
                "A card number has %(min)d to %(max)d digits: check that none is missing.",
                min=12,
                max=19,
            )
        )
    if not luhn.is_valid(number):
        raise ValidationError(_("This card number is not valid: check the digits."))
    found = _card_network(number)
    if found is None:
        raise ValidationError(_("This card network is not accepted."))
    network, name, lengths = found
    if len(number) not in lengths:
        raise ValidationError(
            _(
                "This %(network)s card number has the wrong number of digits: check them.",
                network=name,
            )
        )
    return network, number[-4:]


def check_card_expiry(month: int, year: int, today: datetime.date) -> None:
    """Valid through the last day of the expiry month. A two-digit year is this century's."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError(_("Enter the expiry month as a number from 1 to 12."))
    if (
        isinstance(year, bool)
        or not isinstance(year, int)
        or not (0 <= year <= 99 or 1000 <= year <= 9999)
    ):
        raise ValidationError(_("Enter the expiry year with four digits."))
    if year <= 99:
        year += today.year // 100 * 100
    if (year, month) < (today.year, today.month):
        raise ValidationError(_("This card has expired."))
    if year > today.year + 20:
        raise ValidationError(
            _("Check the expiry year: it cannot be more than %(years)d years from now.", years=20)
        )


# --- Passwords ---------------------------------------------------------------------------------

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128


def check_new_password(password: str, confirmation: str) -> None:
    """At least 10 characters, at most 128, typed twice the same, and not easy to guess."""
    password = password or ""
    if not password:
        raise ValidationError(_("Enter a password."))
    if password != (confirmation or ""):
        raise ValidationError(_("The passwords do not match."))
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError(
            _("Use at least %(min)d characters for the password.", min=PASSWORD_MIN_LENGTH)
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(
            _("Use at most %(max)d characters for the password.", max=PASSWORD_MAX_LENGTH)
        )
    result = zxcvbn.zxcvbn(password, max_length=PASSWORD_MAX_LENGTH)
    whole_common = any(
        match["pattern"] == "dictionary"
        and match.get("dictionary_name") == "passwords"
        and match["i"] == 0
        and match["j"] == len(password) - 1
        for match in result["sequence"]
    )
    if result["score"] < 3 or whole_common:
        raise ValidationError(_("This password is too common or too easy to guess."))


# --- Free text ---------------------------------------------------------------------------------

# Control (Cc), format (Cf: zero-width spaces and joiners, bidi marks, embeddings, overrides
# and isolates, the soft hyphen) and surrogate (Cs) characters: invisible on screen, they make
# look-alike names ("Acme" and "Ac\u200bme") and reorder the text around them.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def check_text(value: str, *, required: bool, max_length: int, min_length: int = 0) -> str:
    """A one-line field: NFC, stripped, runs of spaces made one. Tabs, line breaks and invisible
    characters refused."""
    value = value or ""
    if any(unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in value):
        raise ValidationError(
            _("Remove the tabs, line breaks or other invisible characters from this text.")
        )
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        if required:
            raise ValidationError(_("This field is required."))
        return ""
    if len(text) < min_length:
        raise ValidationError(_("Enter at least %(min)d characters.", min=min_length))
    if len(text) > max_length:
        raise ValidationError(_("Enter at most %(max)d characters.", max=max_length))
    return text


# --- WTForms -----------------------------------------------------------------------------------


class Normalized:
    """A WTForms validator that stores the normalised value in `field.data`.

    `function` takes the field's data, and the form's country when country=True:
    `Normalized(normalize_phone, country=True)`, `Normalized(check_text, required=True,
    max_length=200)` (other keyword arguments go to the function). The country is
    `form.country_code` (a string or a field), "GB" when the form has none.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        country: bool = False,
        required: bool | None = None,
        **options: Any,
    ):
        """`required`: the function refuses an empty value. check_text takes it as its own
        option; for the others it only marks the field (flags.required, the form's mark)."""
        self.function = function
        self.country = country
        self.options = options
        if required is not None and function is check_text:
            self.options["required"] = required
        if required:
            self.field_flags = {"required": True}

    def __call__(self, form: Any, field: Field) -> None:
        args = [field.data if field.data is not None else ""]
        if self.country:
            country = getattr(form, "country_code", None)
            if isinstance(country, Field):
                country = country.data
            args.append(country or "GB")
        try:
            field.data = self.function(*args, **self.options)
        except ValidationError as error:
            raise FieldValidationError(str(error)) from error
