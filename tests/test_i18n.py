"""The catalogs are complete: every string of the code, translated, in every language."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "pt", "pl")
PLURAL_FORMS = {"fr": 2, "pt": 2, "pl": 3}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def catalog(language):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=language)


def source_messages() -> set[tuple]:
    """Every (context, msgid) the code and templates use, extracted as `flask translate update`
    does."""
    method_map = [
        ("portal/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    options_map = {
        "templates/**.html": {"trimmed": "true"},
        "templates/**.txt": {"trimmed": "true"},
    }
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "lazy_ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "lazy_pgettext": ((1, "c"), 2),
    }
    found = set()
    for _, _, message, _, context in extract_from_dir(str(ROOT), method_map, options_map, keywords):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_code_is_in_the_catalog(language):
    ids = {
        (m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog(language) if m.id
    }
    missing = source_messages() - ids
    assert not missing, f"run `make translations` and translate: {sorted(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_well_formed(language):
    cat = catalog(language)
    assert cat.num_plurals == PLURAL_FORMS[language]
    problems = []
    for message in cat:
        if not message.id:
            assert not message.fuzzy, "the catalog header is marked fuzzy"
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if isinstance(message.id, tuple) and len(strings) != cat.num_plurals:
            problems.append(f"plural forms: {msgid!r}")
        expected = set(PLACEHOLDER.findall(msgid))
        for string in strings:
            if not string:
                problems.append(f"empty: {msgid!r}")
            elif set(PLACEHOLDER.findall(string)) != expected:
                problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
    assert problems == []
