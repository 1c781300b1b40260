"""Identity, company and device numbers with their real check digits: CPF, CNPJ and RG (BR),
PESEL, NIP, REGON and the identity card (PL), SIREN, SIRET and VAT (FR), company and VAT
numbers (GB), and IMEIs. Each is drawn from the client's own random.Random."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from random import Random

from portal.demo.data import City, Row
from portal.models import ClientKind, DocumentKind


def random_digits(rng: Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def imei(prefix: str, counter: int) -> str:
    body = f"{prefix}{counter:010d}"
    return body + luhn_digit(body)


def luhn_digit(body: str) -> str:
    """The digit that makes body + digit pass the Luhn test (IMEI, SIREN, SIRET)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = ord(char) - 48
        if position % 2 == 0:  # these are the doubled places once the digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str(-total % 10)


DocumentMaker = Callable[[Random, ClientKind, City, Row, bool], tuple[str, list[Row]]]


def _doc(kind: DocumentKind, number: str) -> Row:
    return {"kind": kind, "number": number, "issued_on": None}


def _weighted(numbers: str, weights: tuple[int, ...]) -> int:
    return sum((ord(c) - 48) * w for c, w in zip(numbers, weights, strict=True))


def _cpf(rng: Random) -> str:
    body = random_digits(rng, 9)
    for weights in ((10, 9, 8, 7, 6, 5, 4, 3, 2), (11, 10, 9, 8, 7, 6, 5, 4, 3, 2)):
        body += str(_weighted(body, weights) * 10 % 11 % 10)
    return f"{body[:3]}.{body[3:6]}.{body[6:9]}-{body[9:]}"


def _cnpj(rng: Random) -> str:
    body = random_digits(rng, 8) + "0001"  # head office
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        rest = _weighted(body, weights) % 11
        body += str(0 if rest < 2 else 11 - rest)
    return f"{body[:2]}.{body[2:5]}.{body[5:8]}/{body[8:12]}-{body[12:]}"


def _rg(rng: Random) -> str:
    """São Paulo RG: eight digits and a mod-11 check that may be X."""
    body = random_digits(rng, 8)
    check = 11 - _weighted(body, (2, 3, 4, 5, 6, 7, 8, 9)) % 11
    digit = "X" if check == 10 else "0" if check == 11 else str(check)
    return f"{body[:2]}.{body[2:5]}.{body[5:]}-{digit}"


def _br_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        nire = rng.choice(city.registry_codes) + random_digits(rng, 9)  # Junta Comercial number
        return _cnpj(rng), [_doc(DocumentKind.COMPANY_REGISTRATION, nire)]
    return _cpf(rng), [_doc(DocumentKind.ID_CARD, _rg(rng))]


def _pesel(rng: Random, female: bool) -> str:
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(50 * 365))
    month = born.month + (20 if born.year >= 2000 else 0)
    sex = rng.randrange(0, 10, 2) + (0 if female else 1)  # even for women, odd for men
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{random_digits(rng, 3)}{sex}"
    return body + str(-_weighted(body, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10)


def _nip(rng: Random, city: City) -> str:
    while True:  # one body in eleven has no valid check digit
        body = rng.choice(city.registry_codes) + random_digits(rng, 6)
        check = _weighted(body, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11
        if check < 10:
            return body + str(check)


def _regon(rng: Random) -> str:
    body = str(rng.randrange(1, 10)) + random_digits(rng, 7)
    return body + str(_weighted(body, (8, 9, 2, 3, 4, 5, 6, 7)) % 11 % 10)


def _polish_id_card(rng: Random) -> str:
    """Dowód osobisty: three letters, a check digit, five digits."""
    letters = "".join(rng.choice("ABCDEFGHIJKLMNPRSTUVWXYZ") for _ in range(3))
    tail = random_digits(rng, 5)
    values = [ord(c) - 55 for c in letters] + [ord(c) - 48 for c in tail]
    check = sum(v * w for v, w in zip(values, (7, 3, 1, 7, 3, 1, 7, 3), strict=True)) % 10
    return f"{letters}{check}{tail}"


def _pl_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        return _nip(rng, city), [_doc(DocumentKind.COMPANY_REGISTRATION, _regon(rng))]
    return _pesel(rng, female), [_doc(DocumentKind.ID_CARD, _polish_id_card(rng))]


def _fr_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        siren = str(rng.randrange(3, 10)) + random_digits(rng, 7)
        siren += luhn_digit(siren)
        siret = siren + f"{rng.randrange(1, 100):04d}"  # NIC: the establishment
        siret += luhn_digit(siret)
        number = siret if rng.random() < 0.7 else siren
        spaced = f"{number[:3]} {number[3:6]} {number[6:9]} {number[9:]}".strip()
        vat = f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
        return spaced, [_doc(DocumentKind.TAX_ID, vat)]
    # Carte nationale d'identité (pre-2021): issue year and month, department, office, serial.
    issued = f"{rng.randrange(10, 21):02d}{rng.randrange(1, 13):02d}"
    card = f"{issued}{address['postal_code'][:2]}{rng.randrange(10)}{random_digits(rng, 5)}"
    # A private person has no SIREN, and a French client's number is a SIREN or a SIRET in the
    # portal (validators.normalize_document): the card is one of the record's documents only.
    return "", [_doc(DocumentKind.ID_CARD, card)]


def _gb_vat(rng: Random) -> str:
    body = random_digits(rng, 7)
    check = -_weighted(body, (8, 7, 6, 5, 4, 3, 2)) % 97  # HMRC's mod-97 check
    return f"GB{body}{check:02d}"


def _gb_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        if city.region in ("Glasgow City", "City of Edinburgh"):
            number = f"SC{rng.randrange(100_000, 1_000_000)}"
        else:  # England and Wales: eight digits, 0 or 1 first these days
            number = str(rng.randrange(2)) + random_digits(rng, 7)
        return number, [_doc(DocumentKind.TAX_ID, _gb_vat(rng))]
    if rng.random() < 0.5:  # no identity card in the UK; many give no number at all
        return "", []
    passport = str(rng.randrange(1, 6)) + random_digits(rng, 8)
    return passport, [_doc(DocumentKind.PASSPORT, passport)]


DOCUMENTS_OF_COUNTRY: dict[str, DocumentMaker] = {
    "GB": _gb_documents,
    "FR": _fr_documents,
    "BR": _br_documents,
    "PL": _pl_documents,
}
