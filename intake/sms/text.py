"""What a customer's SMS reply means: a 1-5 rating, an opt-out or opt-in
keyword, a request for help, or free text for a handler. Pure."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

ReplyKind = Literal["rating", "opt_out", "opt_in", "help", "text"]

# Keywords are matched on the whole reply, trimmed and case-folded. The
# English ones are the carriers' and Twilio's standard set; 退订/TD is the
# Chinese carriers' convention ("回复TD退订").
OPT_OUT_KEYWORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "退订", "td"}
)
OPT_IN_KEYWORDS = frozenset({"start", "unstop", "yes"})
HELP_KEYWORDS = frozenset({"help", "info", "帮助"})

RATING_DIGITS = {
    "1": 1, "2": 2, "3": 3, "4": 4, "5": 5,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
    # financial numerals, simplified and traditional
    "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5,
}
# "5分" (5 points) and "5星" (5 stars) are how people write a score.
RATING_SUFFIXES = ("分", "星")


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    score: int | None = None


def _core(body: str) -> str:
    """The reply without surrounding whitespace and punctuation, with
    full-width forms folded (NFKC: "５" -> "5", "ＳＴＯＰ" -> "STOP")."""
    text = unicodedata.normalize("NFKC", body)
    start, end = 0, len(text)
    while start < end and _is_padding(text[start]):
        start += 1
    while end > start and _is_padding(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_padding(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PS"


def parse_reply(body: str) -> Reply:
    core = _core(body)
    keyword = core.casefold()
    if keyword in OPT_OUT_KEYWORDS:
        return Reply("opt_out")
    if keyword in OPT_IN_KEYWORDS:
        return Reply("opt_in")
    if keyword in HELP_KEYWORDS:
        return Reply("help")
    if core.endswith(RATING_SUFFIXES):
        core = _core(core[:-1])
    if core in RATING_DIGITS:
        return Reply("rating", RATING_DIGITS[core])
    return Reply("text")
