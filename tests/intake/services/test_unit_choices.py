"""The units a customer can pick, under their branch or service hall, are
read once per process and kept until a unit changes: a unit added or closed
by an admin in another process is offered, or no longer offered, at once."""
from intake.services.complaints import unit_choices
from routing.foundation.db import Database
from routing.models import Unit


def test_a_new_unit_is_offered_on_the_complaint_form_at_once(app, session, clock):
    session.add(Unit(code="OUT-9", name="Harbour outlet", level="outlet"))
    session.commit()
    assert "Harbour outlet" in [choice.name for choice in unit_choices(session)]
    session.commit()
    other = Database(app.config["DATABASE_URL"], immediate=False)
    with other.sessionmaker() as admin:
        admin.add(Unit(code="OUT-10", name="Airport outlet", level="outlet"))
        harbour = admin.query(Unit).filter_by(code="OUT-9").one()
        harbour.active = False
        admin.commit()
    other.dispose()
    offered = [choice.name for choice in unit_choices(session)]
    assert "Airport outlet" in offered and "Harbour outlet" not in offered


def test_outlets_are_offered_under_their_branch_the_branch_first(session):
    company = Unit(code="CO", name="Demo Group", level="company")
    session.add(company)
    session.flush()
    hall = Unit(code="HALL", name="Power service hall", level="branch", parent_id=company.id)
    branch = Unit(code="BR", name="City branch", level="branch", parent_id=company.id)
    session.add_all([hall, branch])
    session.flush()
    session.add_all([Unit(code="O2", name="Xinhua Road outlet", level="outlet", parent_id=branch.id),
                     Unit(code="T1", name="Urban repair team", level="team", parent_id=hall.id),
                     Unit(code="O1", name="Renmin Road outlet", level="outlet", parent_id=branch.id)])
    session.commit()
    assert [(choice.group, choice.name) for choice in unit_choices(session)] == [
        ("City branch", "City branch"), ("City branch", "Renmin Road outlet"), ("City branch", "Xinhua Road outlet"),
        ("Power service hall", "Power service hall"), ("Power service hall", "Urban repair team")]
