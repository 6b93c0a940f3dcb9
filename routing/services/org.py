"""The organisation: units, staff accounts and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from routing.errors import Conflict, NotFound, RoutingError
from routing.models import ApiToken, Staff, Unit
from routing.services.cache_stamps import cached
from routing.vocabulary import AREAS, ROLES, UNIT_LEVELS

# What a unit's code may hold: it goes into file names, URLs and integrators'
# systems, so no quotes, spaces, line breaks or slashes.
UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
UNIT_CODE_MAX = 40
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
USERNAME_MAX = 80


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.code == code)).first()


def staff_by_username(session: Session, username: str) -> Staff | None:
    return session.scalars(select(Staff).where(Staff.username == username)).first()


def create_unit(session: Session, code: str, name: str, level: str = "outlet",
                parent: Unit | None = None, area: str = "urban", timezone: str = "Asia/Shanghai") -> Unit:
    if level not in UNIT_LEVELS:
        raise RoutingError("invalid_level", f"level must be one of {', '.join(UNIT_LEVELS)}")
    if area not in AREAS:
        raise RoutingError("invalid_area", f"area must be one of {', '.join(AREAS)}")
    if not (len(code) <= UNIT_CODE_MAX and UNIT_CODE.fullmatch(code)):
        raise RoutingError("invalid_code", "a unit code holds letters, digits, dots, dashes and underscores")
    if unit_by_code(session, code):
        raise Conflict("unit_exists", f"a unit with code {code} already exists")
    unit = Unit(code=code, name=name, level=level, parent=parent, area=area, timezone=timezone)
    session.add(unit)
    session.flush()
    return unit


def create_staff(session: Session, username: str, role: str, now: datetime, *, display_name: str | None = None,
                 unit: Unit | None = None, password: str | None = None, phone: str | None = None,
                 email: str | None = None, locale: str = "zh_Hans_CN", ladder_position: str | None = None,
                 callback_desk: bool = False) -> Staff:
    if role not in ROLES:
        raise RoutingError("invalid_role", f"role must be one of {', '.join(ROLES)}")
    if staff_by_username(session, username):
        raise Conflict("staff_exists", f"the username {username} is taken")
    staff = Staff(username=username, display_name=display_name or username, role=role, unit=unit,
                  phone=phone, email=email, locale=locale, ladder_position=ladder_position,
                  created_at=now, active=True, callback_desk=callback_desk)
    if password:
        set_password(staff, password)
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: Staff, password: str) -> None:
    """A new password ends every session signed in with the old one."""
    if len(password) < 8:
        raise RoutingError("weak_password", "a password needs at least 8 characters")
    staff.password_hash = generate_password_hash(password)  # scrypt
    end_sessions(staff)


def end_sessions(staff: Staff) -> None:
    """Every session cookie of this person stops working, copies included."""
    staff.session_version = (staff.session_version or 1) + 1


@cache
def _dummy_hash() -> str:
    """A hash no password matches, made as real ones are (same scrypt cost)."""
    return generate_password_hash(secrets.token_urlsafe(32))


def authenticate(session: Session, username: str, password: str) -> Staff | None:
    """The staff member this username and password sign in, or None. An
    unknown, inactive or password-less account costs the same password check
    as a real one, so the time of the answer does not tell them apart."""
    staff = staff_by_username(session, username)
    usable = staff is not None and staff.active and staff.password_hash
    matches = check_password_hash(staff.password_hash if usable else _dummy_hash(), password)
    return staff if usable and matches else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, staff: Staff, now: datetime, name: str = "") -> tuple[str, ApiToken]:
    """Returns the token itself (shown once) and its stored row (hash only)."""
    token = "fbk_" + secrets.token_urlsafe(32)
    row = ApiToken(staff_id=staff.id, name=name, token_hash=_token_hash(token), prefix=token[:10], created_at=now)
    session.add(row)
    session.flush()
    return token, row


def staff_for_token(session: Session, token: str, now: datetime) -> Staff | None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None or row.revoked_at is not None or not row.staff.active:
        return None
    row.last_used_at = now
    return row.staff


def revoke_api_token(session: Session, token_id: int, now: datetime) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("token_not_found", "no such token")
    row.revoked_at = now


def subtree_ids(session: Session, unit_id: int) -> list[int]:
    """A unit and everything below it (what a manager may see), from the
    unit tree kept per process (routing.services.cache_stamps)."""
    return list(cached(session, "units", _Subtrees.read)[unit_id])


class _Subtrees(dict):
    """Unit id -> that unit and everything below it, each worked out once
    under the tree's stamp: a callback list asks it once per callback. Shared
    (cache_stamps), it only ever gains entries the tree implies."""

    def __init__(self, children: dict[int, tuple[int, ...]]):
        super().__init__()
        self.children = children

    @classmethod
    def read(cls, session: Session) -> _Subtrees:
        children: dict[int, list[int]] = {}
        for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id).order_by(Unit.id)):
            children.setdefault(parent_id, []).append(unit_id)
        return cls({parent: tuple(ids) for parent, ids in children.items()})

    def __missing__(self, unit_id: int) -> tuple[int, ...]:
        ids, frontier = [unit_id], [unit_id]
        while frontier:
            frontier = [child for parent in frontier for child in self.children.get(parent, ())]
            ids.extend(frontier)
        self[unit_id] = tuple(ids)
        return self[unit_id]


def valid_timezone(name: str) -> bool:
    """An IANA zone name the calendars can use."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia" is a folder, a long name too long
        return False
    return bool(name)


def update_unit(session: Session, unit: Unit, *, name: str, area: str, timezone: str,
                parent: Unit | None) -> Unit:
    """Rename or move a unit; its code stays, since integrators refer to it."""
    if area not in AREAS:
        raise RoutingError("invalid_area", f"area must be one of {', '.join(AREAS)}")
    if not valid_timezone(timezone):
        raise RoutingError("invalid_timezone", f"{timezone} is not a time zone")
    # A unit under its own descendant would cut that branch off the tree.
    ancestor = parent
    while ancestor is not None:
        if ancestor.id == unit.id:
            raise Conflict("unit_cycle", "a unit cannot be moved under itself or one of its own units")
        ancestor = ancestor.parent
    unit.name, unit.area, unit.timezone, unit.parent = name, area, timezone, parent
    session.flush()
    return unit


def deactivate_staff(session: Session, staff: Staff, by: Staff | None = None) -> None:
    """Ends the account's logins and API tokens; its cases and history stay."""
    if by is not None and by.id == staff.id:
        raise Conflict("deactivate_self", "you cannot deactivate your own account")
    staff.active = False
    end_sessions(staff)
    session.flush()


def reactivate_staff(session: Session, staff: Staff) -> None:
    staff.active = True
    session.flush()
