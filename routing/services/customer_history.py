"""What the case page shows of the customer beyond this case: their other
cases (open or finished), the ratings tied to their cases, the rating that
opened this one and who served them. Services take a session and never commit.

A customer is known by their phone number as stored (E.164), or by their
e-mail address when they gave no number: the indexed columns are compared
with a value, never searched.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from routing.models import Case, Rating, Staff, Unit
from routing.rules import access
from routing.services.org import subtree_ids
from routing.services.queues import in_sight

OTHER_CASES_SHOWN = 20
RATINGS_SHOWN = 20


@dataclass(frozen=True)
class CustomerHistory:
    other_cases: list[Case]
    # True when the customer has more cases than shown (or some out of sight).
    more_cases: bool
    ratings: list[Rating]
    opening_rating: Rating | None
    served_by: Staff | None
    served_at: Unit | None
    counter: str | None  # the touchpoint's label, when the case came from one


# How the case page learns of the counter a case came from (intake's
# touchpoints, which routing does not know): id -> (label, staff, unit).
TouchpointServer = Callable[[Session, int], "tuple[str, Staff | None, Unit | None] | None"]
# Ratings of the customer's phone number that no case ties to them (SMS
# surveys, kept by intake): (session, E.164 number) -> ratings.
CustomerRatings = Callable[[Session, str], "list[Rating]"]


def opening_rating(session: Session, case: Case) -> Rating | None:
    """The customer's rating the case came from (a low QR or SMS score with
    contact details), not a callback survey recorded after it."""
    return session.scalars(select(Rating).where(Rating.case_id == case.id, Rating.channel != "callback")
                           .order_by(Rating.created_at, Rating.id).limit(1)).first()


def customer_cases(session: Session, staff: Staff, case: Case, limit: int = OTHER_CASES_SHOWN) -> list[Case]:
    """The customer's other cases that `staff` may see, the newest first."""
    if case.contact_phone:
        same_customer = Case.contact_phone == case.contact_phone
    elif case.contact_email:
        same_customer = Case.contact_email == case.contact_email
    else:
        return []
    return list(session.scalars(
        select(Case).where(same_customer, Case.id != case.id, *in_sight(session, staff))
        .options(selectinload(Case.unit)).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))


def rating_unit_ids(session: Session, staff: Staff) -> set[int] | None:
    """The units whose ratings `staff` may read; None: every unit."""
    if access.record_reach(staff.role) == access.ALL:
        return None
    return set(subtree_ids(session, staff.unit_id)) if staff.unit_id else set()


def history(session: Session, staff: Staff, case: Case, touchpoint_server: TouchpointServer | None = None,
            customer_ratings: CustomerRatings | None = None) -> CustomerHistory:
    others = customer_cases(session, staff, case, OTHER_CASES_SHOWN + 1)
    case_ids = [case.id, *(other.id for other in others[:OTHER_CASES_SHOWN])]
    ratings = list(session.scalars(
        select(Rating).where(Rating.case_id.in_(case_ids))
        .options(selectinload(Rating.unit), selectinload(Rating.staff))
        .order_by(Rating.created_at.desc(), Rating.id.desc()).limit(RATINGS_SHOWN)))
    if customer_ratings is not None and case.contact_phone:
        # Only ratings of units in the reader's sight (routing.rules.access.record_reach).
        units = rating_unit_ids(session, staff)
        more = [r for r in customer_ratings(session, case.contact_phone) if units is None or r.unit_id in units]
        seen = {r.id for r in ratings}
        ratings = sorted([*ratings, *(r for r in more if r.id not in seen)],
                         key=lambda r: (r.created_at, r.id), reverse=True)[:RATINGS_SHOWN]
    opening = opening_rating(session, case)
    # Who served them: the staff member the rating was of (the touchpoint's
    # at the time), else the counter's, else the person complained about.
    counter = None
    served_by, served_at = (opening.staff, opening.unit) if opening is not None else (None, None)
    touchpoint_id = case.touchpoint_id or (opening.touchpoint_id if opening is not None else None)
    if touchpoint_id is not None and touchpoint_server is not None:
        found = touchpoint_server(session, touchpoint_id)
        if found is not None:
            counter = found[0]
            served_by, served_at = served_by or found[1], served_at or found[2]
    return CustomerHistory(other_cases=others[:OTHER_CASES_SHOWN], more_cases=len(others) > OTHER_CASES_SHOWN,
                           ratings=ratings, opening_rating=opening, served_by=served_by or case.subject_staff,
                           served_at=served_at, counter=counter)
