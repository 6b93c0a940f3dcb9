"""official working days: received_at, confirmed deadlines, weather delays;
preset policies moved to the official calendar

Schema: case.received_at (when the contact came in; existing cases: their
created_at), case_deadline.calendar_confirmed, the case_weather_delay table.

Data, once: the preset policies still on the calendar they were seeded with
move to "cn-business" (China's official working days), made from the stored
"business" calendar (the organisation's office hours, and any days it typed
in) plus the official arrangement; the three urban repair presets get the
21:00 cut-off they lacked. `feedback db upgrade` then fills the official
years from python-holidays (routing.official_calendars.refresh_calendars),
which recomputes the deadlines and callbacks of the live cases on it.
A policy an administrator moved to another calendar is left alone.

Revision ID: 47df1e6555e6
Revises: 2d711d9ba588
Create Date: 2026-12-03 10:00:00
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import routing.foundation.db

revision = '47df1e6555e6'
down_revision = '2d711d9ba588'
branch_labels = None
depends_on = None

OFFICIAL = "cn-business"
# Preset policy -> the calendar it was seeded with before this revision.
MOVED = {"complaint": "business", "installation": "business", "default": "business",
         "complaint-case": "24x7", "service-appointment": "24x7", "installation-network-ready": "24x7"}
CUT_OFF = ("repair-urban", "repair-urban-minor", "repair-urban-major")
OFFICE_HOURS = [["09:00", "12:00"], ["13:30", "17:30"]]
DEFAULT_CALENDAR = {"tz": "Asia/Shanghai", "always_open": False,
                    "weekly": {day: OFFICE_HOURS for day in ("mon", "tue", "wed", "thu", "fri")},
                    "holidays": {}, "workdays": {}}
NEW_CALENDAR_KEYS = ("official", "filled", "confirmed_years")
NEW_POLICY_KEYS = ("cutoff", "special_cutoff", "special_periods")

policy = sa.table('policy', sa.column('id', sa.Integer), sa.column('name', sa.String),
                  sa.column('data', sa.JSON))
work_calendar = sa.table('work_calendar', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('data', sa.JSON), sa.column('updated_at', routing.foundation.db.UTCDateTime(timezone=True)))


def upgrade() -> None:
    # NOT NULL columns added with a default, filled, then the default dropped
    # where ALTER can (on SQLite dropping it would rebuild "case", which the
    # rows referencing it forbid; the code always writes both columns).
    op.add_column('case', sa.Column('received_at', routing.foundation.db.UTCDateTime(timezone=True), nullable=False,
                                    server_default='1970-01-01 00:00:00'))
    op.execute(sa.text('UPDATE "case" SET received_at = created_at'))
    op.add_column('case_deadline', sa.Column('calendar_confirmed', sa.Boolean(), nullable=False,
                                             server_default=sa.true()))
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('case', 'received_at', server_default=None)
        op.alter_column('case_deadline', 'calendar_confirmed', server_default=None)

    op.create_table('case_weather_delay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', routing.foundation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_weather_delay_case_id_case')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_case_weather_delay_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_weather_delay'))
    )
    with op.batch_alter_table('case_weather_delay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_weather_delay_case_id'), ['case_id'], unique=False)

    _move_presets(op.get_bind())


def _move_presets(conn) -> None:
    policies = {name: (row_id, data) for row_id, name, data in conn.execute(sa.select(policy.c.id, policy.c.name,
                                                                                       policy.c.data))}
    moving = {name for name, old in MOVED.items()
              if name in policies and policies[name][1].get("calendar", "24x7") == old}
    calendars = {name: data for name, data in conn.execute(sa.select(work_calendar.c.name, work_calendar.c.data))}
    if moving and OFFICIAL not in calendars:
        base = calendars.get("business") or DEFAULT_CALENDAR
        conn.execute(work_calendar.insert().values(
            name=OFFICIAL, data={**base, "official": "CN", "filled": {}, "confirmed_years": []},
            updated_at=datetime.now(timezone.utc)))
    for name in moving:
        row_id, data = policies[name]
        conn.execute(policy.update().where(policy.c.id == row_id).values(data={**data, "calendar": OFFICIAL}))
    for name in CUT_OFF:
        if name in policies and "cutoff" not in policies[name][1]:
            row_id, data = policies[name]
            conn.execute(policy.update().where(policy.c.id == row_id).values(
                data={**data, "cutoff": "21:00", "special_cutoff": None, "special_periods": []}))


def _move_back(conn) -> None:
    """What the code before this revision reads: no cut-offs, no official
    arrangement (its filled days kept as the calendar's own), the moved
    presets on their old calendars."""
    for row_id, name, data in conn.execute(sa.select(policy.c.id, policy.c.name, policy.c.data)).all():
        data = {k: v for k, v in data.items() if k not in NEW_POLICY_KEYS}
        if name in MOVED and data.get("calendar") == OFFICIAL:
            data["calendar"] = MOVED[name]
        conn.execute(policy.update().where(policy.c.id == row_id).values(data=data))
    for row_id, data in conn.execute(sa.select(work_calendar.c.id, work_calendar.c.data)).all():
        filled = (data.get("filled") or {}).values()
        hours = next((data["weekly"][d] for d in ("mon", "tue", "wed", "thu", "fri") if data.get("weekly", {}).get(d)),
                     OFFICE_HOURS)
        holidays = {d: [] for year in filled for d in year.get("holidays", [])}
        workdays = {d: hours for year in filled for d in year.get("workdays", [])}
        data = {k: v for k, v in data.items() if k not in NEW_CALENDAR_KEYS}
        if holidays or workdays:
            data = {**data, "holidays": {**holidays, **data.get("holidays", {})},
                    "workdays": {**workdays, **data.get("workdays", {})}}
        conn.execute(work_calendar.update().where(work_calendar.c.id == row_id).values(data=data))


def downgrade() -> None:
    _move_back(op.get_bind())
    with op.batch_alter_table('case_weather_delay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_weather_delay_case_id'))
    op.drop_table('case_weather_delay')
    with op.batch_alter_table('case_deadline', schema=None) as batch_op:
        batch_op.drop_column('calendar_confirmed')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('received_at')
