"""The units a customer can pick are read once per process and kept until a
unit changes: a unit added or closed by an admin in another process is
offered, or no longer offered, at once."""
from intake.services.complaints import unit_choices
from routing.foundation.db import Database
from routing.models import Unit


def test_a_new_unit_is_offered_on_the_complaint_form_at_once(app, session, clock):
    session.add(Unit(code="OUT-9", name="Harbour outlet", level="outlet"))
    session.commit()
    assert "Harbour outlet" in dict(unit_choices(session)).values()
    session.commit()
    other = Database(app.config["DATABASE_URL"], immediate=False)
    with other.sessionmaker() as admin:
        admin.add(Unit(code="OUT-10", name="Airport outlet", level="outlet"))
        harbour = admin.query(Unit).filter_by(code="OUT-9").one()
        harbour.active = False
        admin.commit()
    other.dispose()
    offered = dict(unit_choices(session)).values()
    assert "Airport outlet" in offered and "Harbour outlet" not in offered
