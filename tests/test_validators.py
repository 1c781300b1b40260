"""The client-record validators: what a hurried reseller types, and what gets stored."""

from __future__ import annotations

import datetime

import pytest
from flask import Flask
from flask_babel import Babel
from flask_wtf import FlaskForm
from wtforms import Form, StringField

from portal import validators
from portal.validators import (
    Normalized,
    ValidationError,
    check_card_expiry,
    check_card_number,
    check_new_password,
    check_text,
    normalize_document,
    normalize_email,
    normalize_phone,
    normalize_postal_code,
)


@pytest.fixture(autouse=True)
def babel_ctx():
    """The messages go through flask_babel's gettext, which reads the request's locale."""
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield app


# --- Email -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("john@example.com", "john@example.com"),
        ("  John.Doe@Example.COM ", "John.Doe@example.com"),
        ("ana.souza+vendas@EMPRESA.com.BR", "ana.souza+vendas@empresa.com.br"),
        ("jan@ŁÓDŹ.pl", "jan@łódź.pl"),
        ("jan@xn--d-0ga.pl", "jan@öd.pl"),
        ("\tmarie@exemple.fr\n", "marie@exemple.fr"),
    ],
)
def test_email_is_normalised(typed, stored):
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an email address."),
        ("   ", "Enter an email address."),
        ("johnexample.com", "An email address needs an @ sign, as in name@example.com."),
        ("john doe@example.com", "An email address cannot contain spaces."),
        ("john@ example.com", "An email address cannot contain spaces."),
        ("john@example", None),
        ("john@@example.com", None),
        ("john@example..com", None),
        ("john.@example.com", None),
        ("john@example.com.", None),
    ],
)
def test_email_is_refused(typed, message):
    with pytest.raises(ValidationError) as raised:
        normalize_email(typed)
    expected = message or (
        "This is not a valid email address: check it for typos, as in name@example.com."
    )
    assert str(raised.value) == expected


# --- Phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("+48 601 234 567", "PL", "48601234567"),
        ("601-234-567", "PL", "48601234567"),
        ("22 123 45 67", "PL", "48221234567"),
        ("(11) 98765-4321", "BR", "5511987654321"),
        ("(11) 3456-7890", "BR", "551134567890"),
        ("+55 11 9 8765 4321", "PL", "5511987654321"),
        ("0612345678", "FR", "33612345678"),
        ("06.12.34.56.78", "FR", "33612345678"),
        ("00 33 6 12 34 56 78", "FR", "33612345678"),
        ("00 33 6 12 34 56 78", "GB", "33612345678"),
        ("+33 (0)6 12 34 56 78", "FR", "33612345678"),
        ("020 7946 0958", "GB", "442079460958"),
        ("07911 123456", "gb", "447911123456"),
        (" (415) 555-2671 ", "US", "14155552671"),
        ("+351 912 345 678", "", "351912345678"),
    ],
)
def test_phone_is_normalised(typed, country, stored):
    assert normalize_phone(typed, country) == stored


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("+48 601 234 567", "PL"),
        ("(11) 98765-4321", "BR"),
        ("06 12 34 56 78", "FR"),
        ("07911 123456", "GB"),
        ("+1 415 555 2671", "US"),  # FIXED_LINE_OR_MOBILE: could be either
    ],
)
def test_mobile_phone_is_accepted(typed, country):
    assert normalize_phone(typed, country, mobile=True)


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("020 7946 0958", "GB"),
        ("(11) 3456-7890", "BR"),
        ("01 23 45 67 89", "FR"),
        ("22 123 45 67", "PL"),
        ("0800 123 4567", "GB"),
    ],
)
def test_landline_is_refused_where_a_mobile_is_wanted(typed, country):
    assert normalize_phone(typed, country)
    with pytest.raises(ValidationError, match="This is not a mobile phone number"):
        normalize_phone(typed, country, mobile=True)


LETTERS = "Enter the phone number with digits only: spaces, dashes and brackets are fine."
TOO_SHORT = "This phone number is too short: check that no digit is missing."
TOO_LONG = "This phone number is too long: check for extra digits."
NOT_VALID = "This is not a valid phone number: check the digits, including the area code."
NO_COUNTRY = (
    "Check the country code of this phone number, or enter it starting with + and the code."
)


@pytest.mark.parametrize(
    ("typed", "country", "message"),
    [
        ("", "BR", "Enter a phone number."),
        ("abc", "BR", LETTERS),
        ("call 0612345678", "FR", LETTERS),
        ("0612345678x", "FR", LETTERS),
        ("+33 1 23 45 67 89 ext 12", "FR", LETTERS),
        ("1-800-FLOWERS", "US", LETTERS),
        ("06 12 34 56 78 #", "FR", LETTERS),
        ("12", "BR", TOO_SHORT),
        ("1", "FR", TOO_SHORT),
        ("+", "FR", TOO_SHORT),
        ("1234567890123456789", "BR", TOO_LONG),
        ("06 12 34 56 78 9", "FR", TOO_LONG),
        ("6012345678", "FR", TOO_LONG),
        ("98765-4321", "BR", NOT_VALID),
        ("(00) 98765-4321", "BR", NOT_VALID),
        ("+48 000 000 000", "PL", NOT_VALID),
        ("+999 1234567", "FR", NO_COUNTRY),
        ("(11) 98765-4321", "XX", NO_COUNTRY),
        ("(11) 98765-4321", "", NO_COUNTRY),
    ],
)
def test_phone_is_refused(typed, country, message):
    with pytest.raises(ValidationError) as raised:
        normalize_phone(typed, country)
    assert str(raised.value) == message


# --- Documents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("12345678909", "BR", "123.456.789-09"),
        ("123.456.789-09", "BR", "123.456.789-09"),
        (" 390 533 447 05 ", "br", "390.533.447-05"),
        ("11222333000181", "BR", "11.222.333/0001-81"),
        ("11.222.333/0001-81", "BR", "11.222.333/0001-81"),
        ("16.727.230/0001-97", "BR", "16.727.230/0001-97"),
        ("12.abc.345/01de-35", "BR", "12.ABC.345/01DE-35"),  # the alphanumeric CNPJ
        ("44051401359", "PL", "44051401359"),
        ("440514 01359", "PL", "44051401359"),
        ("1234563218", "PL", "123-456-32-18"),
        ("123-456-32-18", "PL", "123-456-32-18"),
        ("PL 526 025 02 74", "PL", "526-025-02-74"),
        ("732829320", "FR", "732 829 320"),
        ("732 829 320", "FR", "732 829 320"),
        ("732.829.320", "FR", "732 829 320"),
        ("73282932000074", "FR", "732 829 320 00074"),
        ("552 100 554 00013", "FR", "552 100 554 00013"),
        ("", "BR", ""),
        ("   ", "FR", ""),
        ("DE 123/456/78901", "DE", "DE 123/456/78901"),
        ("  B-12.345.678  ", "ES", "B-12.345.678"),
        ("ABC", "US", "ABC"),
        ("Zürich  CHE-123", "CH", "Zürich CHE-123"),
    ],
)
def test_document_is_normalised(typed, country, stored):
    assert normalize_document(typed, country) == stored


BR_INVALID = "This is not a valid Brazilian CPF or CNPJ: check the digits."
PL_INVALID = "This is not a valid Polish PESEL or NIP: check the digits."
FR_INVALID = "This is not a valid French SIREN or SIRET: check the digits."


@pytest.mark.parametrize(
    ("typed", "country", "message"),
    [
        ("123.456.789-00", "BR", BR_INVALID),
        ("111.111.111-11", "BR", BR_INVALID),  # passes the checksum, never issued
        ("000.000.000-00", "BR", BR_INVALID),
        ("11.222.333/0001-82", "BR", BR_INVALID),
        ("12.ABC.345/01DE-36", "BR", BR_INVALID),
        ("1234567890A", "BR", BR_INVALID),
        ("44051401358", "PL", PL_INVALID),
        ("1234563217", "PL", PL_INVALID),
        ("0000000000", "PL", PL_INVALID),
        ("732829321", "FR", FR_INVALID),
        ("73282932000075", "FR", FR_INVALID),
        ("000000000", "FR", FR_INVALID),
        (
            "1234567890",
            "BR",
            "A Brazilian CPF has 11 digits and a CNPJ has 14: check that none is missing.",
        ),
        (
            "123456789",
            "PL",
            "A Polish PESEL has 11 digits and a NIP has 10: check that none is missing.",
        ),
        (
            "7328293200007",
            "FR",
            "A French SIREN has 9 digits and a SIRET has 14: check that none is missing.",
        ),
    ],
)
def test_document_with_a_wrong_checksum_or_length_is_refused(typed, country, message):
    with pytest.raises(ValidationError) as raised:
        normalize_document(typed, country)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "typed",
    ["AB", "x" * 41, "123#456", "12_345", "N°12345", "12345;678"],
)
def test_document_of_another_country_must_look_like_one(typed):
    with pytest.raises(ValidationError) as raised:
        normalize_document(typed, "DE")
    assert str(raised.value) == ("Enter 3 to 40 letters, digits, spaces, dots, dashes or slashes.")


# --- Postal codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("NW1 8NH", "GB", "NW1 8NH"),
        ("nw18nh", "GB", "NW1 8NH"),
        (" sw1a  1aa ", "GB", "SW1A 1AA"),
        ("EC1A1BB", "GB", "EC1A 1BB"),
        ("M1 1AE", "GB", "M1 1AE"),
        ("B33 8TH", "GB", "B33 8TH"),
        ("dn551pt", "gb", "DN55 1PT"),
        ("W1A 0AX", "GB", "W1A 0AX"),
        ("75008", "FR", "75008"),
        ("75 008", "FR", "75008"),
        ("01310-100", "BR", "01310-100"),
        ("01310100", "BR", "01310-100"),
        ("01.310-100", "BR", "01310-100"),
        ("00-950", "PL", "00-950"),
        ("00950", "PL", "00-950"),
        ("1000-001", "PT", "1000-001"),
        ("1000001", "PT", "1000-001"),
        ("1000 001", "PT", "1000-001"),
        ("10115", "DE", "10115"),
        ("k1a 0b1", "CA", "K1A 0B1"),
        ("1012  ab", "NL", "1012 AB"),
        ("90210-1234", "US", "90210-1234"),
        ("EH", "", "EH"),
    ],
)
def test_postal_code_is_normalised(typed, country, stored):
    assert normalize_postal_code(typed, country) == stored


@pytest.mark.parametrize(
    ("typed", "country", "message"),
    [
        ("", "GB", "Enter a postal code."),
        ("  ", "DE", "Enter a postal code."),
        ("NW1", "GB", "This is not a valid UK postcode: enter it as in SW1A 1AA."),
        ("12345", "GB", "This is not a valid UK postcode: enter it as in SW1A 1AA."),
        ("NW1 8NHX", "GB", "This is not a valid UK postcode: enter it as in SW1A 1AA."),
        ("QW1 8NH", "GB", "This is not a valid UK postcode: enter it as in SW1A 1AA."),
        ("7500", "FR", "A French postal code has 5 digits, as in 75008."),
        ("750088", "FR", "A French postal code has 5 digits, as in 75008."),
        ("75OO8", "FR", "A French postal code has 5 digits, as in 75008."),
        ("01310-10", "BR", "A Brazilian CEP has 8 digits, as in 01310-100."),
        ("0131O-100", "BR", "A Brazilian CEP has 8 digits, as in 01310-100."),
        ("00-9500", "PL", "A Polish postal code has 5 digits, as in 00-950."),
        ("0095", "PL", "A Polish postal code has 5 digits, as in 00-950."),
        ("1000", "PT", "A Portuguese postal code has 7 digits, as in 1000-001."),
        ("1000-01", "PT", "A Portuguese postal code has 7 digits, as in 1000-001."),
    ],
)
def test_postal_code_of_the_wrong_shape_is_refused(typed, country, message):
    with pytest.raises(ValidationError) as raised:
        normalize_postal_code(typed, country)
    assert str(raised.value) == message


@pytest.mark.parametrize("typed", ["1", "12345678901", "10115!", "-1011", "1011-", "ÄB 12"])
def test_postal_code_of_another_country_must_look_like_one(typed):
    with pytest.raises(ValidationError) as raised:
        normalize_postal_code(typed, "DE")
    assert str(raised.value) == (
        "Enter a postal code of 2 to 10 letters, digits, spaces or dashes."
    )


# --- Payment cards -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "network", "last4"),
    [
        ("4111 1111 1111 1111", "visa", "1111"),
        ("4242-4242-4242-4242", "visa", "4242"),
        ("4012888888881881", "visa", "1881"),
        ("4222222222222", "visa", "2222"),
        ("5555 5555 5555 4444", "mastercard", "4444"),
        ("5105105105105100", "mastercard", "5100"),
        ("2221 0000 0000 0009", "mastercard", "0009"),
        ("2720000000000005", "mastercard", "0005"),
        ("3782 822463 10005", "amex", "0005"),
        ("371449635398431", "amex", "8431"),
        ("6011 1111 1111 1117", "discover", "1117"),
        ("6450000000000002", "discover", "0002"),
        ("6500000000000002", "discover", "0002"),
        ("3056 930902 5904", "diners", "5904"),
        ("36227206271667", "diners", "1667"),
        ("3530111333300000", "jcb", "0000"),
        ("3566002020360505", "jcb", "0505"),
        ("6362970000457013", "elo", "7013"),
        ("4011780000000006", "elo", "0006"),  # inside Visa's range
        ("6500310000000005", "elo", "0005"),  # inside Discover's range
        ("5090000000000000", "elo", "0000"),
    ],
)
def test_card_number_gives_network_and_last_digits(typed, network, last4):
    assert check_card_number(typed) == (network, last4)


CARD_DIGITS = "Enter the card number with digits only: spaces and dashes are fine."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the card number."),
        (" - ", "Enter the card number."),
        ("4111 1111 1111 111O", CARD_DIGITS),
        ("4111.1111.1111.1111", CARD_DIGITS),
        ("4111 1111 1111 1112", "This card number is not valid: check the digits."),
        ("5555555555554445", "This card number is not valid: check the digits."),
        ("41111111111", "A card number has 12 to 19 digits: check that none is missing."),
        ("41111111111111111111", "A card number has 12 to 19 digits: check that none is missing."),
        ("6200000000000005", "This card network is not accepted."),  # UnionPay
        ("6759649826438453", "This card network is not accepted."),  # Maestro
        ("38520000023237", "This card network is not accepted."),
        ("1234567812345670", "This card network is not accepted."),
        (
            "34000000000000",
            "This American Express card number has the wrong number of digits: check them.",
        ),
        ("4111111111116", "This card number is not valid: check the digits."),
    ],
)
def test_card_number_is_refused(typed, message):
    with pytest.raises(ValidationError) as raised:
        check_card_number(typed)
    assert str(raised.value) == message
    digits = typed.replace(" ", "").replace("-", "")
    if len(digits) > 4:
        assert digits not in str(raised.value)
        assert digits[-4:] not in str(raised.value)


def test_card_number_is_not_logged(caplog):
    with caplog.at_level("DEBUG"):
        check_card_number("4111 1111 1111 1111")
        with pytest.raises(ValidationError):
            check_card_number("4111 1111 1111 1112")
    assert caplog.records == []


TODAY = datetime.date(2025, 6, 15)


@pytest.mark.parametrize(
    ("month", "year", "today"),
    [
        (6, 2025, TODAY),
        (6, 25, TODAY),
        (6, 2025, datetime.date(2025, 6, 30)),  # valid through the last day of its month
        (7, 2025, TODAY),
        (1, 2026, TODAY),
        (12, 29, TODAY),
        (1, 2045, TODAY),
        (12, 2045, TODAY),
        (3, 2028, datetime.date(2024, 2, 29)),
    ],
)
def test_card_expiry_is_accepted(month, year, today):
    assert check_card_expiry(month, year, today) is None


@pytest.mark.parametrize(
    ("month", "year", "today", "message"),
    [
        (5, 2025, TODAY, "This card has expired."),
        (5, 25, TODAY, "This card has expired."),
        (12, 2024, TODAY, "This card has expired."),
        (6, 2025, datetime.date(2025, 7, 1), "This card has expired."),
        (13, 2026, TODAY, "Enter the expiry month as a number from 1 to 12."),
        (0, 2026, TODAY, "Enter the expiry month as a number from 1 to 12."),
        (-1, 2026, TODAY, "Enter the expiry month as a number from 1 to 12."),
        (None, 2026, TODAY, "Enter the expiry month as a number from 1 to 12."),
        (6, 202, TODAY, "Enter the expiry year with four digits."),
        (6, 20266, TODAY, "Enter the expiry year with four digits."),
        (6, -26, TODAY, "Enter the expiry year with four digits."),
        (1, 2046, TODAY, "Check the expiry year: it cannot be more than 20 years from now."),
        (1, 99, TODAY, "Check the expiry year: it cannot be more than 20 years from now."),
    ],
)
def test_card_expiry_is_refused(month, year, today, message):
    with pytest.raises(ValidationError) as raised:
        check_card_expiry(month, year, today)
    assert str(raised.value) == message


# --- Passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "correct-horse-battery",
        "ocean tiger lamp violin",
        "Mango-Kettle-47",
        "tr0mb0ne-harbour",
        "Złota jesień w Łodzi",
        "Xk9#mPq2$vL7nR4@" * 8,  # 128 characters
    ],
)
def test_good_password_is_accepted(password):
    assert check_new_password(password, password) is None


COMMON = "This password is too common or too easy to guess."


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        ("", "", "Enter a password."),
        ("correct-horse-battery", "correct-horse-batery", "The passwords do not match."),
        ("correct-horse-battery", "", "The passwords do not match."),
        ("correct-horse-battery", "Correct-horse-battery", "The passwords do not match."),
        ("Xk9#mPq2$", "Xk9#mPq2$", "Use at least 10 characters for the password."),
        ("short", "short", "Use at least 10 characters for the password."),
        ("a" * 129, "a" * 129, "Use at most 128 characters for the password."),
        ("password123", "password123", COMMON),
        ("PASSWORD123", "PASSWORD123", COMMON),
        ("P@ssw0rd123", "P@ssw0rd123", COMMON),
        ("qwertyuiop", "qwertyuiop", COMMON),
        ("qwertyuiop123", "qwertyuiop123", COMMON),
        ("1234567890", "1234567890", COMMON),
        ("aaaaaaaaaa", "aaaaaaaaaa", COMMON),
        ("abcdefghij", "abcdefghij", COMMON),
        ("iloveyou2024", "iloveyou2024", COMMON),
        ("Qwerty123!", "Qwerty123!", COMMON),
        ("password" * 16, "password" * 16, COMMON),
    ],
)
def test_weak_or_mistyped_password_is_refused(password, confirmation, message):
    with pytest.raises(ValidationError) as raised:
        check_new_password(password, confirmation)
    assert str(raised.value) == message


def test_password_that_is_a_whole_common_password_is_refused_whatever_its_score(monkeypatch):
    def scored_high(password, max_length):
        match = {"pattern": "dictionary", "dictionary_name": "passwords"}
        return {"score": 4, "sequence": [{**match, "i": 0, "j": len(password) - 1}]}

    monkeypatch.setattr(validators.zxcvbn, "zxcvbn", scored_high)
    with pytest.raises(ValidationError, match="too common"):
        check_new_password("whatever-it-is", "whatever-it-is")


# --- Text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "options", "stored"),
    [
        ("Acme Ltd", {"required": True, "max_length": 50}, "Acme Ltd"),
        ("  Acme   Ltd  ", {"required": True, "max_length": 50}, "Acme Ltd"),
        ("Acme\u00a0Ltd", {"required": True, "max_length": 50}, "Acme Ltd"),
        ("Cafe\u0301 Łódź", {"required": True, "max_length": 50}, "Café Łódź"),
        ("", {"required": False, "max_length": 50}, ""),
        ("   ", {"required": False, "max_length": 50}, ""),
        (None, {"required": False, "max_length": 50}, ""),
        ("abcde", {"required": True, "max_length": 5}, "abcde"),
        ("  abcde  ", {"required": True, "max_length": 5}, "abcde"),
        ("ab", {"required": True, "max_length": 5, "min_length": 2}, "ab"),
        ("", {"required": False, "max_length": 5, "min_length": 2}, ""),
        ("👍 Zé", {"required": True, "max_length": 5}, "👍 Zé"),
    ],
)
def test_text_is_normalised(typed, options, stored):
    assert check_text(typed, **options) == stored


CONTROL = "Remove the tabs, line breaks or other invisible characters from this text."


@pytest.mark.parametrize(
    ("typed", "options", "message"),
    [
        ("", {"required": True, "max_length": 50}, "This field is required."),
        ("  \u00a0 ", {"required": True, "max_length": 50}, "This field is required."),
        ("abcdef", {"required": True, "max_length": 5}, "Enter at most 5 characters."),
        ("a  b  c", {"required": True, "max_length": 4}, "Enter at most 4 characters."),
        (
            "a",
            {"required": False, "max_length": 5, "min_length": 2},
            "Enter at least 2 characters.",
        ),
        ("Acme\tLtd", {"required": True, "max_length": 50}, CONTROL),
        ("Acme\nLtd", {"required": True, "max_length": 50}, CONTROL),
        ("Acme Ltd\r\n", {"required": True, "max_length": 50}, CONTROL),
        ("Acme\x00", {"required": True, "max_length": 50}, CONTROL),
        ("Acme\x1b[31m", {"required": True, "max_length": 50}, CONTROL),
        ("Acme\x85", {"required": True, "max_length": 50}, CONTROL),
        ("Acme \u202etxt.exe", {"required": True, "max_length": 50}, CONTROL),
    ],
)
def test_text_is_refused(typed, options, message):
    with pytest.raises(ValidationError) as raised:
        check_text(typed, **options)
    assert str(raised.value) == message


def test_errors_are_value_errors():
    assert issubclass(ValidationError, ValueError)
    with pytest.raises(ValueError, match="This field is required."):
        check_text("", required=True, max_length=10)


# --- WTForms -----------------------------------------------------------------------------------


class ClientForm(Form):
    email = StringField(validators=[Normalized(normalize_email)])
    phone = StringField(validators=[Normalized(normalize_phone, country=True)])
    mobile = StringField(validators=[Normalized(normalize_phone, country=True, mobile=True)])
    name = StringField(validators=[Normalized(check_text, required=True, max_length=20)])
    document = StringField(validators=[Normalized(normalize_document, country=True)])


VALID = {
    "email": " Ana@Empresa.COM.br ",
    "phone": "(11) 3456-7890",
    "mobile": "(11) 98765-4321",
    "name": "  Ana   Souza ",
    "document": "12345678909",
}


def test_normalized_replaces_the_data_with_the_normalised_value():
    form = ClientForm(data=VALID)
    form.country_code = "BR"
    assert form.validate(), form.errors
    assert form.data == {
        "email": "Ana@empresa.com.br",
        "phone": "551134567890",
        "mobile": "5511987654321",
        "name": "Ana Souza",
        "document": "123.456.789-09",
    }


def test_normalized_turns_a_validation_error_into_a_field_error():
    form = ClientForm(data={**VALID, "phone": "(11) abc", "mobile": "(11) 3456-7890", "name": ""})
    form.country_code = "BR"
    assert not form.validate()
    assert form.errors == {
        "phone": [LETTERS],
        "mobile": ["This is not a mobile phone number: enter a mobile number."],
        "name": ["This field is required."],
    }
    assert form.phone.data == "(11) abc"  # left as typed, to be corrected


def test_normalized_reads_the_country_from_a_country_code_field():
    class WithCountry(Form):
        country_code = StringField()
        postal_code = StringField(validators=[Normalized(normalize_postal_code, country=True)])

    form = WithCountry(data={"country_code": "PL", "postal_code": "00950"})
    assert form.validate(), form.errors
    assert form.postal_code.data == "00-950"


def test_normalized_uses_gb_when_the_form_has_no_country():
    class NoCountry(Form):
        postal_code = StringField(validators=[Normalized(normalize_postal_code, country=True)])

    form = NoCountry(data={"postal_code": "nw18nh"})
    assert form.validate(), form.errors
    assert form.postal_code.data == "NW1 8NH"


def test_normalized_passes_missing_data_as_empty():
    class Optional(Form):
        document = StringField(validators=[Normalized(normalize_document, country=True)])

    form = Optional(data={})
    form.country_code = "FR"
    assert form.validate(), form.errors
    assert form.document.data == ""


def test_normalized_works_on_a_flask_form():
    class F(FlaskForm):
        phone = StringField(validators=[Normalized(normalize_phone, country=True)])

    form = F(data={"phone": "(11) 98765-4321"}, meta={"csrf": False})
    form.country_code = "BR"
    assert form.validate(), form.errors
    assert form.phone.data == "5511987654321"
