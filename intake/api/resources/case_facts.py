"""Changing the facts of a case (kind, category, severity, unit, amount
claimed) for integrators: the same routing.lifecycle.change_facts as the
case page, so the policy is matched again, the deadlines recomputed and a
major complaint or a claim escalated at once (RULES 3)."""
from __future__ import annotations

from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import Field

from intake.api.operations import operation
from intake.api.problems import unusable_fields
from intake.api.resources.case_actions import STEP_ANSWERS, _step, _stepped
from intake.api.resources.cases import CaseWithTimeline, visible_case
from intake.api.schemas import Amount, Body, Text, UnitRef, choice
from intake.api.scope import find_unit
from routing.services import lifecycle
from routing.vocabulary import CASE_CATEGORIES, CASE_KINDS, SEVERITIES
from routing.web.glue import db_session

FACT_FIELDS = ("kind", "category", "severity", "unit", "amount_claimed")


class CaseFacts(Body):
    """The facts to change; those not given stay as they are."""

    kind: choice(CASE_KINDS) | None = None
    category: choice(CASE_CATEGORIES) | None = None
    severity: Annotated[choice(SEVERITIES) | None, Field(
        description="major escalates a complaint to the deputy general manager at once.")] = None
    unit: Annotated[UnitRef | None, Field(description="The unit the case belongs to, by id or code.")] = None
    amount_claimed: Annotated[Amount | None, Field(
        description='A decimal string such as "1000.00", or a JSON number; null clears it. A complaint\'s claim '
                    "goes at once to the level that may approve it (1,000 or less the manager, 5,000 or more "
                    "the general manager).")] = None
    reason: Annotated[Text(500), Field(description="Why the facts change; on the timeline.")]


@operation("POST", "/cases/<reference>/facts", summary="Change the facts of a case", tag="cases",
           responses={200: CaseWithTimeline, **STEP_ANSWERS},
           description="The owner, or a supervisor or above in sight. The policy is matched again and the deadlines "
                       "recomputed in the same transaction; a complaint that became major or claims an amount is "
                       "escalated at once. 409 when nothing would change.")
def case_facts(reference, body: CaseFacts):
    case = visible_case(reference, own_too=True)
    given = body.model_fields_set & set(FACT_FIELDS)
    if not given:
        raise unusable_fields({"kind": _l("give at least one of kind, category, severity, unit, amount_claimed")})
    unit = find_unit(db_session(), body.unit) if body.unit is not None else None
    amount = {"amount_claimed": body.amount_claimed} if "amount_claimed" in given else {}
    _step(case, "facts", lambda s, c, me, at: lifecycle.change_facts(
        s, c, me, reason=body.reason, now=at, kind=body.kind, category=body.category, severity=body.severity,
        unit=unit, **amount))
    return _stepped(case)
