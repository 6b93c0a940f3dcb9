"""Every string a person sees ships in Simplified Chinese and English: the
Chinese catalogue holds every message the code and templates use."""

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from support import ROOT

CATALOGUE = ROOT / "intake" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
# A word with two meanings carries a context ("person" Name 姓名, not 名称).
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}


def used_messages() -> set[tuple[str | None, str]]:
    """(context, message) of every translatable string in code and templates."""
    found = set()
    for folder in ("intake", "routing", "scoring", "templates"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS, options_map={"**.html": {"extensions": "jinja2.ext.do"}}
        ):
            found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def test_every_message_in_code_and_templates_has_a_chinese_translation():
    with open(CATALOGUE / "messages.po", "rb") as f:
        catalogue = read_po(f)
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0])
                  for m in catalogue if m.id and m.string and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy}
    missing = sorted(used_messages() - translated)
    assert not missing, f"{len(missing)} messages lack a Chinese translation, e.g. {missing[:10]}"


def hashable(value):
    return tuple(value) if isinstance(value, list | tuple) else value  # plural forms


def context(message) -> str | None:
    """Babel reads a compiled context back as bytes."""
    return message.context.decode() if isinstance(message.context, bytes) else message.context


def test_the_compiled_catalogue_matches_the_source_catalogue():
    with open(CATALOGUE / "messages.po", "rb") as f:
        source = {(m.context, hashable(m.id)): hashable(m.string) for m in read_po(f) if m.id and not m.fuzzy}
    with open(CATALOGUE / "messages.mo", "rb") as f:
        compiled = {(context(m), hashable(m.id)): hashable(m.string) for m in read_mo(f) if m.id}
    assert compiled == source, "run: pybabel compile -d intake/translations"
