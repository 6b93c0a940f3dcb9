"""Language choice: an explicit ?lang= wins and is remembered in the session,
then the logged-in staff member's language, then Accept-Language."""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.dates import get_timezone_name
from flask import current_app, has_request_context, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

# What browsers send -> Babel's folder names.
_ALIASES = {"zh": "zh_Hans_CN", "zh_CN": "zh_Hans_CN", "zh_Hans": "zh_Hans_CN",
            "zh-CN": "zh_Hans_CN", "zh-Hans": "zh_Hans_CN", "zh-Hans-CN": "zh_Hans_CN",
            "en": "en", "en_US": "en", "en-US": "en", "en-GB": "en"}
# Every spelling of a language the platform reads (the API lists them).
SPELLINGS = tuple(dict.fromkeys(["zh_Hans_CN", *_ALIASES]))


def normalize_locale(value: str | None) -> str | None:
    if not value:
        return None
    if value in current_app.config["LANGUAGES"]:
        return value
    return _ALIASES.get(value) or _ALIASES.get(value.split("-")[0].split("_")[0])


def remember_choice() -> None:
    chosen = normalize_locale(request.args.get("lang"))
    if chosen:
        session["lang"] = chosen


def select_locale() -> Locale:
    return _locale(_chosen_locale())


def _chosen_locale() -> str:
    if not has_request_context():  # the tick, the CLI: callers force the customer's locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if session.get("lang"):
        return session["lang"]
    # Only a signed-in session is worth loading the user for: asking Flask-Login
    # about a customer rewrites their session cookie on their first POST.
    if "_user_id" in session and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return _from_accept_language(request.headers.get("Accept-Language", "")) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=256)
def _from_accept_language(header: str) -> str | None:
    """Phones send a handful of different headers: each is read once."""
    best = LanguageAccept(parse_accept_header(header)).best_match(["zh-CN", "zh", "en"])
    return _ALIASES.get(best) if best else None


@lru_cache(maxsize=None)
def _locale(name: str) -> Locale:
    """Babel looks for its data file each time it parses a name; there are two."""
    return Locale.parse(name)


def language_href(lang: str) -> str:
    """This page in the other language. A page shown in answer to a form
    (a number revealed, a code sent) has no address of its own to load
    again: the switch goes to the page above it."""
    if request.url_rule is not None and "GET" in request.url_rule.methods:
        return url_for(request.endpoint, **{**request.view_args, **request.args.to_dict(), "lang": lang})
    path = request.path.rsplit("/", 1)[0] or "/"
    try:
        current_app.url_map.bind("", script_name=request.script_root).match(path, method="GET")
    except HTTPException:
        path = "/"
    return f"{request.script_root}{path}?lang={lang}"


def zone_name(tz: str) -> str:
    """A time zone as people say it ("China Standard Time", "中国标准时间"), not its IANA name."""
    return get_timezone_name(tz, locale=_locale(current_locale()))


def current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return "en" if locale is None or locale.language == "en" else "zh_Hans_CN"


def localtime(value, fmt: str = "yyyy-MM-dd HH:mm", tz: str | None = None) -> str:
    """A stored UTC time in the organisation's (or the given) time zone: a
    handler must never read a deadline in the wrong zone."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz or current_app.config["TIMEZONE"]))
    if fmt in _DIGITS_ONLY:  # the same in every language: no Babel pattern to read (a list shows hundreds)
        return local.strftime(_DIGITS_ONLY[fmt])
    return format_datetime(local, fmt, locale=current_locale())


_DIGITS_ONLY = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd": "%Y-%m-%d", "HH:mm": "%H:%M"}


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def cache_wtforms_translations() -> None:
    """WTForms' own messages ("This field is required.") in the page's
    language. Flask-WTF reads them from disk for every request that builds
    a form; it takes them from request.wtforms_translations when set, so a
    catalogue loaded once per language is handed over here."""
    from flask_babel import get_locale

    request.wtforms_translations = _wtforms_catalogue(str(get_locale()))
