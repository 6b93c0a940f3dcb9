"""Routing rules: which unit's queue takes the new cases of a category, or
of a unit and everything below it (routing.services.queue_rules). Read and
written by administrators; a rule is retired, never deleted."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from intake.api.operations import operation
from intake.api.schemas import Answer, Body, UnitRef, Whole, choice
from intake.api.scope import find_unit
from routing.services import queue_rules
from routing.vocabulary import CASE_CATEGORIES
from routing.web.glue import db_session, now


class RoutingRule(Answer):
    """New cases of `category` (any if null) arriving at `from_unit_id` or below it (anywhere if null) go
    to the queue of `to_unit_id`. The most specific active rule wins: category and unit over either, the
    nearest unit up the tree, then the higher priority, then the older rule."""

    id: int
    category: choice(CASE_CATEGORIES) | None
    from_unit_id: int | None
    to_unit_id: int
    priority: int
    active: bool
    created_at: datetime


class RoutingRules(Answer):
    items: list[RoutingRule]


class NewRoutingRule(Body):
    category: Annotated[choice(CASE_CATEGORIES) | None, Field(description="Any category if not given.")] = None
    from_unit: Annotated[UnitRef | None, Field(
        description="Cases arriving at this unit or below it, by id or code; anywhere if not given. Give this, "
                    "category or both.")] = None
    to_unit: Annotated[UnitRef, Field(description="The unit whose queue takes the cases, by id or code.")]
    priority: Annotated[Whole(0, 1000) | None, Field(
        description="Between two rules equally specific, the higher wins; 0 if not given.")] = None


@operation("GET", "/routing-rules", summary="List the active routing rules", tag="routing rules", role="admin",
           responses={200: RoutingRules})
def list_routing_rules():
    return {"items": queue_rules.rules(db_session())}


@operation("POST", "/routing-rules", summary="Add a routing rule", tag="routing rules", role="admin",
           responses={201: RoutingRule, 422: "Neither a category nor a unit, or an inactive target unit."})
def create_routing_rule(body: NewRoutingRule):
    session = db_session()
    to_unit = find_unit(session, body.to_unit, "to_unit")
    from_unit = find_unit(session, body.from_unit, "from_unit") if body.from_unit is not None else None
    rule = queue_rules.add_rule(session, to_unit=to_unit, from_unit=from_unit, category=body.category,
                                priority=body.priority or 0, now=now())
    return rule, 201


@operation("POST", "/routing-rules/<int:rule_id>/retire", summary="Retire a routing rule", tag="routing rules",
           role="admin", responses={200: RoutingRule},
           description="Kept for the cases it routed; new cases no longer follow it.")
def retire_routing_rule(rule_id):
    return queue_rules.remove_rule(db_session(), rule_id)
