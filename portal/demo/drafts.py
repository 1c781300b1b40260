"""One demo client and its children as plain rows, made from the client's own seed.

Each client comes from a random.Random seeded by (brand slug, sequence number): a rerun, or a
larger --clients later, gives the same rows for the same sequence numbers (dates are relative
to the day of the run). No database here: the drafts are made in a worker process.
"""

from __future__ import annotations

import re
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from random import Random
from typing import NamedTuple

from portal.demo.data import COUNTRIES, DEMO_BRANDS, TRACKER_MODELS, BrandSpec, City, Country, Row
from portal.demo.documents import DOCUMENTS_OF_COUNTRY, imei, random_digits
from portal.models import (
    AssetStatus,
    CardKind,
    ClientKind,
    ClientStatus,
    PaymentStatus,
    Segment,
)
from portal.text import fold

COMPANY_SHARE = 0.55
# Each child row costs about as much to insert as to generate: keep the optional ones sparse.
SECOND_CONTACT_SHARE = 0.25
DOCUMENT_SHARE = 0.4  # of clients, a scanned identity or registration document
CONTRACT_SHARE = 0.5  # of clients with at least one device
CARD_SHARE = 0.3
# Tuples for rng.choice(): cheaper than rng.choices(weights=...) in the hot loop.
ASSETS_PER_CLIENT = (0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4)  # mean 2.05
CLIENT_STATUSES = (ClientStatus.ACTIVE,) * 8 + (ClientStatus.CANCELLED, ClientStatus.BLOCKED)
PERSON_SEGMENTS = (Segment.OTHER,) * 8 + (Segment.RENTAL, Segment.SERVICE_PROVIDER)
ACTIVE_ASSET_STATUSES = (AssetStatus.ACTIVE,) * 18 + (AssetStatus.SUSPENDED,
                                                      AssetStatus.INACTIVE)  # fmt: skip
# A blocked client's devices are suspended, a cancelled one's switched off.
ASSET_STATUS_OF_CLIENT = {
    ClientStatus.BLOCKED: AssetStatus.SUSPENDED,
    ClientStatus.CANCELLED: AssetStatus.INACTIVE,
}
HISTORY_DAYS = 3 * 365


class BrandPlan:
    """What the generators need to know about one brand, as plain values (no ORM access)."""

    def __init__(
        self,
        spec: BrandSpec,
        brand_id: int,
        country_code: str,
        locale: str,
        managers: list[int],
        client_group_id: int | None,
        now: datetime,
    ) -> None:
        self.spec = spec
        self.brand_id = brand_id
        # An existing brand keeps its country; fall back to the spec where we have no data.
        self.country = COUNTRIES.get(country_code, COUNTRIES[spec.country])
        self.locale = locale
        self.reseller_id, self.admin_id = managers
        self.client_group_id = client_group_id
        self.now = now
        self.seed = zlib.crc32(spec.slug.encode()) << 32
        # IMEI: reporting body 35, two digits of brand, a ten-digit counter, the Luhn digit.
        self.imei_prefix = f"35{DEMO_BRANDS.index(spec) + 1:02d}"


class Draft(NamedTuple):
    """One client and its children, before the client has an id."""

    client: Row
    addresses: list[Row]
    contacts: list[Row]
    documents: list[Row]
    contracts: list[Row]
    payment_methods: list[Row]
    assets: list[Row]


def client_draft(plan: BrandPlan, seq: int) -> Draft:
    rng = Random(plan.seed + seq)
    country = plan.country
    city = rng.choice(country.cities)
    first, last, female = _person(country, rng)  # the client, or a company's main contact
    person = f"{first} {last}"
    if rng.random() < COMPANY_SHARE:
        kind = ClientKind.COMPANY
        name, domain, segment = _company_name(country, city, rng)
        email = f"{rng.choice(country.company_mailboxes)}@{domain}"
        phone = _landline(country, city, rng)
    else:
        kind, name, domain = ClientKind.PERSON, person, None
        segment = rng.choice(PERSON_SEGMENTS)
        email = _email(first, last, rng.choice(country.mail_domains), rng)
        phone = _landline(country, city, rng) if rng.random() < 0.4 else ""
    mobile = _mobile(country, city, rng)
    address = _address(country, city, rng)
    make_documents = DOCUMENTS_OF_COUNTRY[country.code]
    document_number, documents = make_documents(rng, kind, city, address, female)
    created_at = plan.now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400))
    for document in documents:
        document["issued_on"] = created_at.date() - timedelta(days=rng.randrange(10 * 365))
    status = rng.choice(CLIENT_STATUSES)
    provider_id = f"{plan.spec.prefix}-{seq:06d}"
    login_email = email if rng.random() < 0.85 else ""
    client = {
        "brand_id": plan.brand_id,
        "provider_user_id": provider_id,
        "kind": kind,
        "name": name,
        "document_number": document_number,
        "email": email,
        "phone": phone,
        "mobile": mobile,
        "segment": segment,
        "status": status,
        "account_manager_id": plan.admin_id if rng.random() < 0.25 else plan.reseller_id,
        "payment_status": (
            PaymentStatus.DELINQUENT if rng.random() < 0.15 else PaymentStatus.UP_TO_DATE
        ),
        "login_email": login_email,
        "login_password_hash": None,
        "client_group_id": plan.client_group_id,
        "locale": plan.locale,
        "country_code": country.code,
        "version": 1,
        "created_at": created_at,
        "updated_at": created_at + (plan.now - created_at) * rng.random(),
    }
    main_contact = {
        "name": person,
        "email": email if domain is None else _email(first, last, domain, rng),
        "phone": mobile,
        "role": country.owner_role if domain is None else rng.choice(country.contact_roles),
        "notify_equipment": domain is None or rng.random() < 0.5,
    }
    assets = client_assets(plan, seq, status, rng)
    return Draft(
        client=client,
        addresses=[address],
        contacts=[main_contact, *_other_contacts(country, city, domain, rng)],
        documents=documents if rng.random() < DOCUMENT_SHARE else [],
        contracts=_contracts(plan, seq, created_at.date(), len(assets), rng),
        payment_methods=_cards(country, person, plan.now.year, rng),
        assets=assets,
    )


def _person(country: Country, rng: Random) -> tuple[str, str, bool]:
    female = rng.random() < 0.45
    first = rng.choice(country.female if female else country.male)
    last = rng.choice(country.surnames)
    if country.code == "BR" and rng.random() < 0.5:  # Brazilians often carry two family names
        last = f"{rng.choice(country.surnames)} {last}"
    if country.code == "PL" and female:
        last = _polish_feminine(last)
    return first, last, female


def _polish_feminine(surname: str) -> str:
    for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    return surname


def _company_name(country: Country, city: City, rng: Random) -> tuple[str, str, Segment]:
    """The name, the web domain of the company and its segment."""
    pattern = rng.choice(country.companies)
    core = pattern.core.format(surname=rng.choice(country.surnames), city=city.name)
    return f"{core} {rng.choice(pattern.suffixes)}", f"{_slug(core)}.example", pattern.segment


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@cache
def _slug(text: str, sep: str = "-") -> str:
    """ASCII for e-mail addresses: 'Gonçalves Mudanças' -> 'goncalves-mudancas'."""
    return _NOT_ALNUM.sub(sep, fold(text).replace("'", "")).strip(sep)


def _email(first: str, last: str, domain: str, rng: Random) -> str:
    local = f"{_slug(first, '.')}.{_slug(last.split()[-1], '.')}"
    if rng.random() < 0.3:  # the plain name is often taken
        local += str(rng.randrange(1, 100))
    return f"{local}@{domain}"


def _landline(country: Country, city: City, rng: Random) -> str:
    prefix = rng.choice(city.phone_prefixes)
    if country.local_starts:
        prefix += rng.choice(country.local_starts)
    return country.calling_code + prefix + random_digits(rng, country.national_length - len(prefix))


def _mobile(country: Country, city: City, rng: Random) -> str:
    prefix = rng.choice(country.mobile_prefixes)
    length = country.mobile_length
    if country.code == "BR":  # mobiles carry the area code of the city: 55 11 9xxxx-xxxx
        prefix = city.phone_prefixes[0] + prefix
        length += 2
    return country.calling_code + prefix + random_digits(rng, length - len(prefix))


def _postcode(pattern: str, rng: Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a UK inward code may use
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "@" else ch
        for ch in pattern
    )


def _address(country: Country, city: City, rng: Random) -> Row:
    district, pattern = rng.choice(city.districts)
    number = str(rng.randrange(1, 240 if country.code == "BR" else 180))
    if country.code == "FR" and rng.random() < 0.05:
        number += " bis"
    elif country.code == "BR" and rng.random() < 0.03:
        number = "s/n"  # sem número: common on roads and industrial estates
    return {
        "street": rng.choice(country.streets),
        "number": number,
        "complement": rng.choice(country.complements) if rng.random() < 0.25 else "",
        "locality": city.name,
        "sub_locality": district if rng.random() < 0.95 else "",
        "city": city.name,
        "region": city.region,
        "postal_code": _postcode(pattern, rng),
        "country_code": country.code,
    }


def _other_contacts(country: Country, city: City, domain: str | None, rng: Random) -> list[Row]:
    if rng.random() >= SECOND_CONTACT_SHARE:
        return []
    first, last, _ = _person(country, rng)
    return [
        {
            "name": f"{first} {last}",
            "email": _email(first, last, domain or rng.choice(country.mail_domains), rng),
            "phone": _mobile(country, city, rng)
            if rng.random() < 0.8
            else _landline(country, city, rng),
            "role": rng.choice(country.contact_roles),
            "notify_equipment": rng.random() < 0.4,
        }
    ]


def _contracts(plan: BrandPlan, seq: int, created: date, devices: int, rng: Random) -> list[Row]:
    if devices == 0 or rng.random() >= CONTRACT_SHARE:
        return []
    name, cents = rng.choice(plan.country.plans)
    starts = min(created + timedelta(days=rng.randrange(30)), plan.now.date())
    ends = None if rng.random() < 0.35 else _add_years(starts, rng.choice((1, 2, 3)))
    return [
        {
            "number": f"{plan.spec.prefix}-{starts.year}-{seq:06d}",
            "plan": name,
            "starts_on": starts,
            "ends_on": ends,
            "monthly_fee": Decimal(cents * devices).scaleb(-2),
            "currency": plan.country.currency,
        }
    ]


def _add_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def _cards(country: Country, holder: str, this_year: int, rng: Random) -> list[Row]:
    if rng.random() >= CARD_SHARE:
        return []
    # Only what PaymentMethod may hold: never a card number.
    return [
        {
            "kind": CardKind.CREDIT if rng.random() < 0.6 else CardKind.DEBIT,
            "holder": holder,
            "network": rng.choice(country.card_networks),
            "last4": random_digits(rng, 4),
            "exp_month": rng.randrange(1, 13),
            "exp_year": this_year + rng.randrange(1, 6),
        }
    ]


def client_assets(plan: BrandPlan, seq: int, status: ClientStatus, rng: Random) -> list[Row]:
    assets = []
    number = rng.randrange(1, 40)  # fleet numbers, as painted on the vehicles
    for slot in range(rng.choice(ASSETS_PER_CLIENT)):
        kind, models = rng.choice(plan.country.vehicles)
        if status == ClientStatus.ACTIVE:
            asset_status = rng.choice(ACTIVE_ASSET_STATUSES)
        else:
            asset_status = ASSET_STATUS_OF_CLIENT[status]
        assets.append(
            {
                "brand_id": plan.brand_id,
                "serial": imei(plan.imei_prefix, seq * 10 + slot),
                "name": f"{kind} {number + slot} – {rng.choice(models)}",
                "status": asset_status,
            }
        )
    return assets


def stock_row(plan: BrandPlan, number: int) -> Row:
    rng = Random(plan.seed + (1 << 31) + number)  # seeds apart from the clients'
    return {
        "brand_id": plan.brand_id,
        "client_id": None,
        "serial": imei(plan.imei_prefix, number * 10 + 9),
        "name": f"{plan.country.stock_label} {number} – {rng.choice(TRACKER_MODELS)}",
        "status": AssetStatus.INACTIVE if rng.random() < 0.8 else AssetStatus.SUSPENDED,
    }
