"""Who may see and do what: the one access policy, for pages, API and
exports alike (RULES 7: customers' data and scores are confidential).

Roles are ranked once, here. A staff member's sight is one of four reaches:
everything, their unit tree (their unit and all below it), their unit, or
only what is their own. The unit tree itself is looked up by the caller
(routing.services.org.subtree_ids) and handed in, so this stays pure.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

from routing.rules.timelimits import OUTDOOR_TARGETS
from routing.vocabulary import OPEN_STATUSES, ROLES

_RANK = {role: n for n, role in enumerate(ROLES)}
# Who may own a case: every role but the administrator's.
HANDLING_ROLES = tuple(r for r in ROLES if r != "admin")

ALL, TREE, UNIT, OWN = "all", "tree", "unit", "own"


def rank(role: str | None) -> int:
    """A role's place in ROLES; -1 for no role or an unknown one."""
    return _RANK.get(role, -1)


def at_least(role: str | None, minimum: str) -> bool:
    return rank(role) >= _RANK[minimum]


# --- reaches -------------------------------------------------------------------

def case_reach(role: str) -> str:
    """Cases: a handler their unit's, a supervisor or manager their tree's,
    executives and administrators every case (besides their own cases)."""
    return ALL if at_least(role, "executive") else TREE if at_least(role, "supervisor") else UNIT


def record_reach(role: str) -> str:
    """Units, staff, touchpoints, ratings and callbacks: the unit tree, or all."""
    return ALL if at_least(role, "executive") else TREE


def score_reach(role: str) -> str:
    """Scores: a handler only their own, a supervisor or manager their tree,
    executives and administrators everyone."""
    return ALL if at_least(role, "executive") else TREE if at_least(role, "supervisor") else OWN


def sees_phone_numbers(role: str) -> bool:
    """Whether a list (API, exports) shows customers' numbers in full; on a
    case, its owner and first responder see them too ("see_phone" below)."""
    return at_least(role, "supervisor")


# --- cases ---------------------------------------------------------------------

class UnitLike(Protocol):
    id: int

    def chain(self) -> list[UnitLike]: ...


class StaffLike(Protocol):
    id: int
    role: str
    unit_id: int | None
    active: bool


class DeadlineLike(Protocol):
    target: str
    met_at: object | None


class CaseLike(Protocol):
    status: str
    kind: str
    deadlines: list[DeadlineLike]
    unit_id: int | None
    unit: UnitLike | None
    owner_id: int | None
    first_responder_id: int | None
    subject_staff_id: int | None


WORKING = ("claimed", "in_progress", "waiting")
# The kinds of case worked outdoors, which weather can hold up (004: repairs, installations).
OUTDOOR_KINDS = ("repair", "installation", "after_sales")


def is_subject(staff: StaffLike, case: CaseLike) -> bool:
    """Is `staff` the person the complaint is about (the teller at the counter)?"""
    return case.subject_staff_id is not None and staff.id == case.subject_staff_id


def may_see_case(staff: StaffLike, case: CaseLike, *, subject_sees: bool = False) -> bool:
    """Their own cases (owner, first responder) always; others by their reach.
    A complaint about a staff member is out of their sight unless the
    organisation lets them read it (`subject_sees`)."""
    if is_subject(staff, case):
        return subject_sees
    if staff.id in (case.owner_id, case.first_responder_id):
        return True
    reach = case_reach(staff.role)
    if reach == ALL:
        return True
    if case.unit is None or staff.unit_id is None:
        return False
    if reach == UNIT:
        return case.unit_id == staff.unit_id
    return staff.unit_id in {unit.id for unit in case.unit.chain()}


ACTIONS = ("claim", "start", "transfer", "reply", "note", "wait", "resume", "appointment", "arrival",
           "weather", "resolve", "close", "reopen", "see_phone", "facts")

# The case states that allow each step.
STEP_POSSIBLE: dict[str, Callable[[CaseLike], bool]] = {
    "claim": lambda c: c.status == "new" and c.owner_id is None,
    "start": lambda c: c.status == "claimed",
    "transfer": lambda c: c.status in OPEN_STATUSES,
    "reply": lambda c: c.status != "closed",
    "note": lambda c: True,
    "wait": lambda c: c.status in ("claimed", "in_progress"),
    "resume": lambda c: c.status == "waiting",
    "appointment": lambda c: c.status in WORKING,
    "arrival": lambda c: c.status in WORKING,
    "weather": lambda c: c.status in WORKING and c.kind in OUTDOOR_KINDS and any(
        d.target in OUTDOOR_TARGETS and d.met_at is None for d in c.deadlines),
    "resolve": lambda c: c.status in WORKING,
    "close": lambda c: c.status == "resolved",
    "reopen": lambda c: c.status in ("resolved", "closed"),
    "see_phone": lambda c: True,
    # Kind, category, severity, unit and amount claimed, while the case is not closed.
    "facts": lambda c: c.status != "closed",
}
# Who may take each step: the owner, the first responder, a supervisor or
# above in sight ("boss"), anyone in sight who may handle cases, or anyone in sight.
_WHO: dict[str, str] = {
    "claim": "handles", "start": "owner", "transfer": "owner|boss", "reply": "owner|first|boss", "note": "any",
    "wait": "owner", "resume": "owner|boss", "appointment": "owner|boss", "arrival": "owner|boss",
    "weather": "owner|boss", "resolve": "owner|boss", "close": "owner|first|boss", "reopen": "any",
    "see_phone": "owner|first|boss", "facts": "owner|boss",
}


def _who(staff: StaffLike, case: CaseLike) -> set[str]:
    who = {"any"}
    if staff.id == case.owner_id:
        who.add("owner")
    if staff.id == case.first_responder_id:
        who.add("first")
    if at_least(staff.role, "supervisor"):
        who.add("boss")
    if staff.role in HANDLING_ROLES:
        who.add("handles")
    return who


def allowed_actions(staff: StaffLike, case: CaseLike) -> set[str]:
    """The steps `staff` may take on `case` now (role, place in the unit tree,
    owner or first responder, the case's status). The person a complaint is
    about takes none: at most they read it."""
    if not staff.active or is_subject(staff, case) or not may_see_case(staff, case):
        return set()
    who = _who(staff, case)
    return {a for a in ACTIONS if STEP_POSSIBLE[a](case) and who & set(_WHO[a].split("|"))}


def may_take_over(colleague: StaffLike, case: CaseLike, wider_units: Collection[int] | None) -> bool:
    """Whether a case may be transferred to `colleague`: an active member of a
    handling role, not its owner already, inside the case's wider unit (its
    parent's tree: `wider_units`; None when the case has no unit), and never
    the person the complaint is about."""
    if not (colleague.active and colleague.role in HANDLING_ROLES and colleague.id != case.owner_id):
        return False
    if is_subject(colleague, case):
        return False
    return wider_units is None or colleague.unit_id in wider_units


# --- staff intake ----------------------------------------------------------------

# Who may post a contact on behalf of an operator (a hotline system's token
# recording the calls its operators took): supervisors and above.
RECORDS_FOR_OTHERS = "supervisor"


def may_record_intake(staff: StaffLike) -> bool:
    """Any active member of a handling role records the contacts they take
    (first-responder responsibility starts there); an administrator handles
    no cases."""
    return staff.active and staff.role in HANDLING_ROLES


def may_record_for(poster: StaffLike, operator: StaffLike, poster_tree: Collection[int] | None) -> bool:
    """Whether `poster` may register a contact as taken by `operator`, who
    becomes its first responder: themselves if they may record intake; for
    another, a supervisor or above, the operator an active handling member of
    their unit tree (`poster_tree`; None: every unit)."""
    if not may_record_intake(operator):
        return False
    if poster.id == operator.id:
        return True
    if not (poster.active and at_least(poster.role, RECORDS_FOR_OTHERS)):
        return False
    return poster_tree is None or operator.unit_id in poster_tree


# --- callbacks -----------------------------------------------------------------

class CallerLike(StaffLike, Protocol):
    callback_desk: bool


# Why a staff member may not record a case's callback (routing.labels words them).
CALLBACK_REFUSALS = ("inactive", "owner", "first_responder", "subject", "not_a_caller", "outside_pool")


def callback_refusal(staff: CallerLike, case: CaseLike, *, in_pool: bool) -> str | None:
    """Why `staff` may not record `case`'s callback, or None when they may.

    The callback checks the work independently (RULES 4, DESIGN "callbacks are
    made by someone other than the person rated"): never by the case's owner,
    its first responder or the person the complaint is about. Callers are the
    callback desk (a permission of any role) and supervisors and above; each
    works the shared pool of their unit tree (`in_pool`: the callback's unit
    is in it), executives and administrators every pool."""
    if not staff.active:
        return "inactive"
    if staff.id == case.owner_id:
        return "owner"
    if staff.id == case.first_responder_id:
        return "first_responder"
    if is_subject(staff, case):
        return "subject"
    if not (staff.callback_desk or at_least(staff.role, "supervisor")):
        return "not_a_caller"
    if not (in_pool or record_reach(staff.role) == ALL):
        return "outside_pool"
    return None


def may_record_callback(staff: CallerLike, case: CaseLike, *, in_pool: bool) -> bool:
    """Whoever may make the call also sees the customer's full number for it
    (each reveal is audited by the caller)."""
    return callback_refusal(staff, case, in_pool=in_pool) is None


def may_rate(staff_id: int | None, rated_staff_id: int | None) -> bool:
    """No rating of oneself: a rating made or recorded by a staff member
    (QR while signed in, API token, callback) is never about that member."""
    return staff_id is None or rated_staff_id is None or staff_id != rated_staff_id


# --- scores --------------------------------------------------------------------

def may_enter_scores(staff: StaffLike, tree: Collection[int], *, unit_id: int | None = None,
                     about: StaffLike | None = None) -> bool:
    """Supervisors and above enter inspections, verdicts and ledger entries
    within their own unit tree (`tree`; executives and administrators
    anywhere), never about themselves."""
    if not at_least(staff.role, "supervisor") or (about is not None and about.id == staff.id):
        return False
    if score_reach(staff.role) == ALL:
        return True
    if staff.unit_id is None or (about is not None and about.unit_id not in tree):
        return False
    return unit_id is None or unit_id in tree
