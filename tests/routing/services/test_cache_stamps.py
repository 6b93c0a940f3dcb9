"""Policies, calendars and the unit list are parsed once per process and
kept while their rows stay as they are; an admin's edit in another process
is seen at its next transaction (every write sets a new stamp)."""
from sqlalchemy import delete, select

from routing.foundation.db import Database
from routing.models import CacheStamp
from routing.rules.policy_match import policy_to_dict
from routing.services.policies import ensure_presets, rule_named, stored_calendars
from routing.services.policy_editing import update_policy


def test_unchanged_policies_are_not_read_again_in_the_next_transaction(app, session, clock):
    ensure_presets(session, clock.now())
    session.commit()
    first = rule_named(session, "complaint")
    session.commit()
    assert rule_named(session, "complaint") is first
    assert stored_calendars(session)["cn-business"] is stored_calendars(session)["cn-business"]


def test_an_admins_edit_in_another_process_is_seen_at_once(app, session, clock):
    ensure_presets(session, clock.now())
    session.commit()
    assert rule_named(session, "complaint").limits["first_response"].amount != 7
    session.commit()
    other = Database(app.config["DATABASE_URL"], immediate=False)  # its own engine: another process
    with other.sessionmaker() as admin:
        edited = policy_to_dict(rule_named(admin, "complaint"))
        edited["limits"]["first_response"]["amount"] = 7
        update_policy(admin, "complaint", edited, clock.now())
        assert rule_named(admin, "complaint").limits["first_response"].amount == 7  # its own edit, before commit
        admin.commit()
    other.dispose()
    assert rule_named(session, "complaint").limits["first_response"].amount == 7


def test_an_edit_rolled_back_is_not_kept(app, session, clock):
    ensure_presets(session, clock.now())
    session.commit()
    edited = policy_to_dict(rule_named(session, "complaint"))
    edited["limits"]["first_response"]["amount"] = 9
    update_policy(session, "complaint", edited, clock.now())
    assert rule_named(session, "complaint").limits["first_response"].amount == 9
    session.rollback()
    assert rule_named(session, "complaint").limits["first_response"].amount != 9


def rules_stamp(session) -> int | None:
    stamp = session.scalar(select(CacheStamp.stamp).where(CacheStamp.name == "rules"))
    session.commit()
    return stamp


def edit_first_response(session, clock, amount: int) -> None:
    edited = policy_to_dict(rule_named(session, "complaint"))
    edited["limits"]["first_response"]["amount"] = amount
    update_policy(session, "complaint", edited, clock.now())
    session.commit()


def test_every_edit_sets_a_new_stamp(session, clock):
    ensure_presets(session, clock.now())
    session.commit()
    before = rules_stamp(session)
    edit_first_response(session, clock, 7)
    assert rules_stamp(session) not in (None, before)


def test_a_stamp_deleted_by_hand_is_made_again_by_the_next_edit(session, clock):
    ensure_presets(session, clock.now())
    session.execute(delete(CacheStamp).where(CacheStamp.name == "rules"))
    session.commit()
    edit_first_response(session, clock, 7)
    assert rules_stamp(session) is not None
    assert rule_named(session, "complaint").limits["first_response"].amount == 7
