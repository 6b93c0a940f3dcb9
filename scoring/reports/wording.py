"""Numbers and scorecard lines as people read them, in their language: the
dashboard, the drill-down, the downloads and the printed report say the same."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache

from babel import Locale, numbers
from flask import g, has_app_context
from flask_babel import format_decimal, format_percent, get_locale, get_translations, gettext, pgettext
from flask_babel import lazy_gettext as _l

from scoring import labels
from scoring.engine.explain import describe
from scoring.engine.scorecard import Line
from scoring.services import metrics

MINUS = "\u2212"


# --- numbers as people read them ----------------------------------------------

# Shown where there is nothing to count: no rate of nothing, never a 0.0% that reads as failure.
NOTHING = "—"


@lru_cache(maxsize=4096)
def _two_places(value: Decimal | float, locale: Locale) -> str:
    # A report explains thousands of lines with the same few numbers (-1, 0.5, 30...).
    return numbers.format_decimal(value, format="#,##0.##", locale=locale)


def _plain(value: Decimal | float) -> str:
    """A number inside an explanation: at most two decimals, as the points are."""
    return _two_places(value, get_locale())


def points_text(value: Decimal | None, signed: bool = False) -> str:
    """77 / 92.5 / +2 / −6: no trailing zeros, a real minus sign."""
    return _points(value, signed, get_locale())


def _points(value: Decimal | None, signed: bool, locale: Locale) -> str:
    if value is None:
        return NOTHING
    text = _two_places(abs(value), locale)
    if value < 0:
        return MINUS + text
    return ("+" + text) if signed and value > 0 else text


def money_text(value: Decimal | None) -> str:
    if value is None or value == 0:
        return "0"
    text = _plain(abs(value))
    return (MINUS if value < 0 else "+") + text


def metric_text(value: Decimal | int | None, metric: str) -> str:
    if value is None:
        return NOTHING
    return _metric_text(value, metric in metrics.RATES, get_locale())


@lru_cache(maxsize=8192, typed=True)  # typed: an int count and a Decimal 1 read differently
def _metric_text(value: Decimal | int, rate: bool, locale: Locale) -> str:
    # A table of 400 units shows a few hundred distinct rates, each formatted once.
    if rate:
        return numbers.format_percent(value, format="#,##0.0%", locale=locale)
    if isinstance(value, int):
        return numbers.format_decimal(value, format="#,##0", locale=locale)
    return numbers.format_decimal(value, format="#,##0.00", locale=locale)


def axis_text(value, metric: str, decimals: int = 0) -> str:
    """A chart's tick or target: as many decimals as tell neighbouring ticks apart."""
    places = "." + "0" * decimals if decimals else ""
    if metric in metrics.RATES:
        return format_percent(value, format=f"#,##0{places}%")
    return format_decimal(value, format=f"#,##0{places or '.##'}")


def change_text(value, metric: str) -> str:
    """A change from the last period: a rate's in percentage points, signed."""
    if value is None:
        return NOTHING
    if metric in metrics.RATES:
        return gettext("%(change)s percentage points", change=points_text(round(Decimal(value) * 100, 1), signed=True))
    return points_text(round(Decimal(value), 2), signed=True)


def _percent(value) -> str:
    return format_percent(value, format="#,##0.#%")


# --- breakdown lines in the reader's language ------------------------------------

REASONS = {
    "start": _l("Starts at %(raw)s"),
    "missing_counts_as": _l("Nothing recorded this period: counts as %(raw)s"),
    "threshold": _l("%(at_least)s or more counts as %(counts_as)s"),
    "floor": _l("Cannot go below %(floor)s"),
    "cap": _l("At most %(cap)s"),
    "rounding": _l("Rounding"),
    "penalty": _l("Score %(score)s is below the target of %(target)s (counted as %(counted_as)s)"),
    "reward": _l("Score %(score)s is above the target of %(target)s"),
    "on_target": _l("Exactly the target of %(target)s: no reward and no penalty"),
    "performance_pay": _l("Base %(base)s × score %(score)s / 100"),
    "per_point": _l("%(points)s points × %(yuan_per_point)s yuan"),
    "ranking_first": _l("First place in the ranking"),
    "ranking_last": _l("Last place in the ranking"),
}
_CASE_REFERENCE = "C-"


class Words:
    """Breakdown lines worded in one language, for one request. flask_babel
    looks the catalogue up again for every message (five context lookups,
    about 15 µs); a quarterly report words tens of thousands of lines, so the
    catalogue, the labels and each distinct line are looked up once here."""

    def __init__(self, locale: Locale | None, translations):
        self.locale = locale
        self._message = translations.ugettext
        self._labels: dict[int, str] = {}  # id of a lazy label (a module constant) -> its words
        self._explained: dict[tuple, str] = {}

    def text(self, message: str, **values) -> str:
        """gettext on this catalogue; the methods bind it as `_`, the name the message extractor reads."""
        translated = self._message(message)
        return translated % values if values else translated

    def label(self, lazy) -> str:
        key = id(lazy)
        if key not in self._labels:
            self._labels[key] = str(lazy)
        return self._labels[key]

    def plain(self, value: Decimal | float) -> str:
        return _two_places(value, self.locale)

    def points(self, value: Decimal | None, signed: bool = False) -> str:
        return _points(value, signed, self.locale)

    def component(self, component: str) -> str:
        label = labels.COMPONENT_LABELS.get(component)
        return self.label(label) if label is not None else component.replace("_", " ")

    def explain(self, line: Line) -> str:
        """What a breakdown or money line means; the engine's English
        description where no translation is known."""
        try:
            key = (line.reason, line.points, frozenset(line.params.items()))
        except TypeError:  # a parameter that is a list: worded each time
            return self._explain(line)
        if key not in self._explained:
            self._explained[key] = self._explain(line)
        return self._explained[key]

    def line(self, line: Line) -> str:
        """A whole breakdown line, as engine.describe gives it in English:
        what it counts, why, and its points."""
        _ = self.text
        return _("%(component)s: %(explanation)s: %(points)s", component=self.component(line.component),
                 explanation=self.explain(line), points=self.points(line.points, signed=True))

    def rows(self, lines: Iterable[Line]) -> list[tuple[str, str, str]]:
        """A table's rows: what each line counts, why, and its points."""
        return [(self.component(line.component), self.explain(line), self.points(line.points, signed=True))
                for line in lines]

    def lines(self, lines: Iterable[Line]) -> str:
        return joined(self.line(line) for line in lines)

    def _explain(self, line: Line) -> str:
        _ = self.text
        p = line.params
        values = {k: self.plain(v) if isinstance(v, (Decimal, int, float)) and not isinstance(v, bool) else v
                  for k, v in {"raw": line.points, **p}.items()}
        reason = line.reason
        if reason in REASONS:
            text = self.label(REASONS[reason]) % values
        elif reason == "inspection":
            text = (_("Mean of %(count)s scores recorded: %(raw)s", count=p["count"], raw=values["raw"])
                    if p.get("count", 1) > 1 else _("Score recorded: %(raw)s", raw=values["raw"]))
        elif reason == "metric":
            name = p.get("metric", "")
            label = labels.METRIC_LABELS.get(name)
            text = _("%(metric)s is %(value)s", metric=self.label(label) if label is not None else name,
                     value=metric_text(p.get("value"), name))
        elif reason == "band_mean":
            text = _("Mean of %(count)s survey answers: %(raw)s", count=p.get("responses"), raw=values["raw"])
        elif reason in ("fine_band", "reward_band", "no_fine"):
            band = self._band(p)
            text = {"fine_band": _("Fine for a score of %(band)s", band=band),
                    "reward_band": _("Reward for a score of %(band)s", band=band),
                    "no_fine": _("No fine for a score of %(band)s", band=band)}[reason]
        elif reason == "flag_pay":
            flag = labels.FLAG_LABELS.get(p["flag"])
            text = _("%(flag)s: paid %(pay)s yuan this month and no performance pay",
                     flag=self.label(flag) if flag is not None else p["flag"], pay=values["pay"])
        elif reason == "performance_pay_cut":
            text = _("Score below %(below)s: loses %(share)s of the performance pay",
                     below=values["below"], share=_percent(p["share"]))
        else:
            text = self._event_text(reason, p.get("ref"))
            if text is None:
                return describe(line)
        if p.get("unjudged"):
            text = _("%(text)s, not yet judged", text=text)
        if p.get("multiplier") not in (None, 1):
            text = _("%(text)s, counts ×%(times)s", text=text, times=values["multiplier"])
        if p.get("repeat"):
            text = _("%(text)s, repeated within %(days)s days: counts ×%(times)s", text=text,
                     days=values["within_days"], times=values["repeat_multiplier"])
        if "weight" in p:
            text = _("%(text)s (%(raw)s × weight %(weight)s)", text=text, raw=values["raw"], weight=values["weight"])
        return text

    def _event_text(self, kind: str, ref: str | None) -> str | None:
        """"Valid complaint C-2026-000123", "Violation: Quarrelled with a customer (2026-10-14)"."""
        _ = self.text
        group, _sep, code = kind.partition(".")
        if kind in labels.EVENT_LABELS:
            what = self.label(labels.EVENT_LABELS[kind])
        elif group in ("violation", "merit") and code:
            item = labels.ledger_code_label(group, code) if code != "*" else ""
            what = _("Violation: %(item)s", item=item) if group == "violation" else _("Merit: %(item)s", item=item)
        elif group == "deduction" and code:
            what = _("Deduction: %(item)s", item=code.replace("_", " "))
        else:
            return None
        if not ref:
            return what
        return _("%(what)s %(ref)s", what=what, ref=self._ref_text(ref))

    def _ref_text(self, ref: str) -> str:
        """An inspection's ref is "<kind> <date>": show the kind's name."""
        kind, _sep, held_on = ref.partition(" ")
        if kind in labels.INSPECTION_KIND_LABELS and held_on:
            _ = self.text
            return _("%(inspection)s of %(date)s", inspection=self.label(labels.INSPECTION_KIND_LABELS[kind]),
                     date=held_on)
        return ref

    def _band(self, params: Mapping) -> str:
        _ = self.text
        low, below = params.get("at_least"), params.get("below")
        if low is not None and below is not None:
            return _("%(low)s to under %(below)s", low=self.plain(low), below=self.plain(below))
        if low is not None:
            return _("%(low)s or more", low=self.plain(low))
        if below is not None:
            return _("under %(below)s", below=self.plain(below))
        return ""


def words() -> Words:
    """The current request's Words, for the language it is read in now."""
    locale = get_locale()
    current = g.get("words") if has_app_context() else None
    if current is None or current.locale is not locale:
        current = Words(locale, get_translations())
        if has_app_context():
            g.words = current
    return current


def component_label(component: str) -> str:
    return words().component(component)


def explain(line: Line) -> str:
    return words().explain(line)


def line_text(line: Line) -> str:
    return words().line(line)


def breakdown_rows(lines: Iterable[Line]) -> list[tuple[str, str, str]]:
    return words().rows(lines)


def joined(texts: Iterable[str]) -> str:
    """Breakdown lines one after another, with the reader's punctuation."""
    return pgettext("between breakdown lines", "; ").join(texts)


def lines_text(lines: Iterable[Line]) -> str:
    return words().lines(lines)


def case_reference(line: Line) -> str | None:
    ref = line.params.get("ref")
    return ref if isinstance(ref, str) and ref.startswith(_CASE_REFERENCE) else None
