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


def translations(language):
    """(msgid, msgstr) of every entry of a catalog, each plural form on its own."""
    for message in catalog(language):
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            yield msgid, string


CODE = re.compile(r"<code>.*?</code>|Authorization: Bearer|https?://\S+")
HIGH_PUNCTUATION = re.compile(r"(?<![\u00a0\u202f])[:;?!](?=\s|$|<|%\()")


def test_french_has_a_non_breaking_space_before_high_punctuation():
    """French typography: a (narrow) no-break space before : ; ? ! and inside « », so that the
    mark never starts a line. Code and addresses keep their own colons."""
    problems = []
    for _msgid, string in translations("fr"):
        text = CODE.sub("", string)
        if HIGH_PUNCTUATION.search(text) or "« " in text or " »" in text:
            problems.append(string)
    assert problems == []


BRACES = re.compile(r"\{\w+\}")
TAGS = re.compile(r"</?\w+")


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_braces_and_tags_of_the_msgid(language):
    """What the code or the browser reads in a message stays: {country} in a hint, <code>."""
    problems = [
        (msgid, string)
        for msgid, string in translations(language)
        if sorted(BRACES.findall(msgid)) != sorted(BRACES.findall(string))
        or sorted(TAGS.findall(msgid)) != sorted(TAGS.findall(string))
    ]
    assert problems == []


# Words a reviewer took out, so that they do not come back: one term for one thing.
AVOIDED = {
    "fr": {
        "désattribu": "not French: Retirer / Dissocier",
        "#": "Migration n° 12, not Migration #12",
        "notifications équipements": "Notifications des équipements",
    },
    "pt": {"em lote": "one term for bulk: em massa", "#": "nº 12, not #12"},
    "pl": {
        "sprzedawca": "a salesperson: the reseller is an Odsprzedawca",
        "#": "nr 12, not #12",
        "przez %(brand)s": "przez markę %(brand)s (the brand's name stays in the nominative)",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_avoided_words_stay_out(language):
    found = [
        (word, why, string)
        for _msgid, string in translations(language)
        for word, why in AVOIDED[language].items()
        if re.search(r"(?<!\w)" + re.escape(word), string.lower())
    ]
    assert found == []


@pytest.mark.parametrize(
    "language, context, msgid, expected",
    [
        ("pl", "action", "Change status", "Zmień status"),
        ("pl", "action", "Migrate client", "Migruj klienta"),
        ("pl", "permission", "Change status", "Zmiana statusu"),
        ("fr", "action", "Migrate client", "Migrer le client"),
    ],
)
def test_buttons_are_verbs_and_names_are_names(language, context, msgid, expected):
    assert catalog(language).get(msgid, context).string == expected


def test_every_form_of_the_portal_has_one_base(app):
    """PortalForm gives WTForms' own messages in the reader's language (portal/forms.py)."""
    from flask_wtf import FlaskForm

    from portal.forms import PortalForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("portal.")]
    assert len(ours) > 20
    assert [cls.__qualname__ for cls in ours if not issubclass(cls, PortalForm)] == []


@pytest.mark.parametrize("language", ["fr", "pt", "pl"])
def test_wtforms_own_messages_are_in_the_readers_language(app, language):
    from babel import support
    from flask_babel import force_locale
    from wtforms import IntegerField
    from wtforms.i18n import messages_path

    from portal.forms import PortalForm

    class AForm(PortalForm):
        number = IntegerField()

    wtforms_catalog = support.Translations.load(messages_path(), [language], domain="wtforms")
    expected = wtforms_catalog.gettext("Not a valid integer value.")
    assert expected != "Not a valid integer value."
    with app.test_request_context(method="POST", data={"number": "x"}), force_locale(language):
        form = AForm(meta={"csrf": False})
        assert not form.validate()
        assert form.number.errors == [expected]
