"""Loads the demo organisation (intake.demo.data) and about 90 days of its
history, for `feedback demo`.

Loaded once: a second run finds the company unit and only prints the
summary. A fixed seed makes every fresh load the same (except the random
tokens of QR codes and tracking links, which must stay unguessable).

Cases live through the router's own services (claim, reply, transfer,
resolve, callback, close), replayed in time order with the tick running
every hour, so their deadlines, escalations and callbacks are what the
platform itself would have recorded. The high-volume records (services,
ratings, SMS surveys) are written in bulk. Messages queued along the way
are history: they are marked sent, or the demo's first tick would "send"
90 days of them.
"""
from __future__ import annotations

import hashlib
import heapq
import itertools
import random
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from intake.demo.data import (
    BANK_SERVICES,
    CALLBACK_DESK,
    CALLBACK_ITEMS,
    CALLBACK_LEVELS,
    CALLBACK_WEIGHTS,
    CLOSINGS,
    COMMENTS,
    CONFIG,
    DAYS,
    DEMO_CODE,
    DESCRIPTIONS,
    EN_NAMES,
    GIVEN,
    HALL_SERVICES,
    LOGIN_GROUPS,
    OPENINGS,
    PASSWORD,
    QR_SCAN_RATE,
    QUALITY,
    REPLIES,
    RESOLUTIONS,
    SCORE_WEIGHTS,
    SEED,
    STAFF,
    STREETS,
    SURNAMES,
    SURVEY_DELAY,
    SURVEY_EXPIRY,
    SURVEY_THROTTLE,
    TICK,
    UNITS,
    ZONE,
)
from intake.demo.scores import enter_scores
from intake.models import InboundMessage, Survey, Touchpoint
from intake.services.complaints import Complaint, file_complaint
from intake.services.ratings import close_the_loop
from intake.services.touchpoints import create_touchpoint, touchpoint_url
from routing.models import Callback, Case, Contact, Notification, OutboundMessage, Rating, ServiceEvent, Staff, Unit
from routing.services.callback_outcome import record_outcome
from routing.services.callbacks import callback_tick
from routing.services.cases import NewCase, open_case
from routing.services.escalation import escalation_tick
from routing.services.lifecycle import claim, close, record_arrival, reply, resolve, resume, transfer, wait_for_customer
from routing.services.org import create_staff, create_unit, unit_by_code
from routing.services.timeline import add_customer_message


@dataclass
class Customer:
    phone: str
    locale: str
    name: str
    address: str
    opted_out_at: datetime | None = None
    last_surveyed_at: datetime | None = None

    @property
    def lang(self) -> str:
        return "en" if self.locale == "en" else "zh"


@dataclass
class _Org:
    units: dict[str, Unit]
    staff: dict[str, Staff]
    touchpoints: dict[str, Touchpoint] = field(default_factory=dict)


def load_demo(session: Session, now: datetime, public_url: str, days: int | None = None) -> str:
    """Load the demo once and return the summary `feedback demo` prints.
    The caller commits. `days` of history (default DAYS) ending at `now`."""
    if unit_by_code(session, DEMO_CODE) is None:
        days = days or DAYS
        org = _organisation(session, now - timedelta(days=days))
        # No request here to choose a language from: the organisation's own
        # (messages to customers and staff still go out in theirs).
        with force_locale(CONFIG["BABEL_DEFAULT_LOCALE"]):
            _History(session, org, now, random.Random(SEED), days, {**CONFIG, "PUBLIC_URL": public_url}).load()
        session.flush()
    return summary(session, public_url)


def _organisation(session: Session, start: datetime) -> _Org:
    units: dict[str, Unit] = {}
    for code, name, level, parent, area in UNITS:
        units[code] = create_unit(session, code, name, level=level, parent=units.get(parent), area=area)
    # One scrypt hash for everyone: hashing each account would take seconds.
    password_hash = generate_password_hash(PASSWORD)
    staff: dict[str, Staff] = {}
    for number, (username, role, unit, zh, en, ladder) in enumerate(STAFF, 1):
        member = create_staff(session, username, role, start, display_name=f"{zh} ({en})", unit=units[unit],
                              phone=f"+86139{number:08d}", email=f"{username}@demo.example.com",
                              ladder_position=ladder, callback_desk=username in CALLBACK_DESK)
        member.password_hash = password_hash
        staff[username] = member
    org = _Org(units, staff)
    for member in staff.values():
        if member.unit.level == "counter":
            org.touchpoints[member.unit.code] = create_touchpoint(session, member.unit, member.unit.name, member,
                                                                  now=start)
    return org


Life = Generator[datetime, datetime, None]


class _Agenda:
    """Lives of cases, replayed in time order. A life is a generator that
    yields the time of its next step and is resumed then; a step due at or
    after `now` has not happened yet, so the life stops there."""

    def __init__(self, now: datetime):
        self.now = now
        self.clock = datetime.min.replace(tzinfo=timezone.utc)
        self._queue: list[tuple[datetime, int, Life]] = []
        self._order = itertools.count()

    def start(self, life: Life) -> None:
        self._resume(life, None)

    def _resume(self, life: Life, at: datetime | None) -> None:
        try:
            due = life.send(at)
        except StopIteration:
            return
        due = max(due, self.clock)
        if due < self.now:
            heapq.heappush(self._queue, (due, next(self._order), life))
        else:
            life.close()

    def run(self) -> None:
        while self._queue:
            self.clock, _, life = heapq.heappop(self._queue)
            self._resume(life, self.clock)


class _History:
    """Services, ratings and surveys in bulk; cases through the router."""

    def __init__(self, session: Session, org: _Org, now: datetime, rng: random.Random, days: int,
                 config: Mapping):
        self.session, self.org, self.now, self.rng, self.days, self.config = session, org, now, rng, days, config
        self.agenda = _Agenda(now)
        self.rows: list = []  # written in bulk at the end
        self.contacts: dict[str, Customer] = {}
        self.surveys: list[tuple[Survey, Rating | None]] = []
        self.sequence = itertools.count(1)
        self.bank_customers = [self._customer() for _ in range(3000)]
        self.hall_customers = [self._customer(address=True) for _ in range(1500)]
        self.said: dict[str, int] = {}  # how often each description was used
        self.unit_by_id = {unit.id: unit for unit in org.units.values()}

    def load(self) -> None:
        outbox_before = self.session.scalar(select(func.max(OutboundMessage.id))) or 0
        today = self.now.astimezone(ZONE).date()
        start = self._at(today - timedelta(days=self.days - 1), 0)
        for back in range(self.days - 1, -1, -1):
            self._day(today - timedelta(days=back))
        for minutes_ago in (95, 40, 12):  # whenever the demo starts, a few cases wait to be claimed
            self._request(self.now - timedelta(minutes=minutes_ago), claimed=False)
        for hours_ago in (130, 150, 200):  # and a few were answered but are overdue: red countdowns
            self._request(self.now - timedelta(hours=hours_ago), stalled=True)
        self.agenda.start(self._ticks(start))
        self.agenda.run()
        self.session.add_all(self.rows)
        self.session.add_all(Contact(address=c.phone, locale=c.locale, opted_out_at=c.opted_out_at,
                                     last_surveyed_at=c.last_surveyed_at) for c in self.contacts.values())
        self.session.flush()  # ratings get their ids for the surveys
        for survey, rating in self.surveys:
            survey.rating_id = rating.id if rating is not None else None
        self.session.add_all(survey for survey, _ in self.surveys)
        enter_scores(self.session, self.org.units, self.org.staff, self.now, self.days, self.rng)
        self._settle(outbox_before)

    def _settle(self, outbox_before: int) -> None:
        """What happened before now is done: its messages went out and
        its notifications were read."""
        self.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id > outbox_before, OutboundMessage.status == "pending")
            .values(status="sent", attempts=1, sent_at=OutboundMessage.not_before)
            .execution_options(synchronize_session=False))
        self.session.execute(
            update(Notification)
            .where(Notification.created_at < self.now - timedelta(days=2), Notification.read_at.is_(None))
            .values(read_at=Notification.created_at)
            .execution_options(synchronize_session=False))
        self.session.flush()

    # -- helpers ----------------------------------------------------------

    def _customer(self, address: bool = False) -> Customer:
        rng = self.rng
        english = rng.random() < 0.08
        name = rng.choice(EN_NAMES) if english else rng.choice(SURNAMES) + rng.choice(GIVEN)
        street = f"{rng.choice(STREETS)}{rng.randint(1, 300)}号" if address else ""
        return Customer(f"+86{rng.choice((138, 139, 150, 186, 187))}{rng.randint(0, 99_999_999):08d}",
                        "en" if english else "zh_Hans_CN", name, street)

    def _at(self, day: date, hour: float) -> datetime:
        local = datetime.combine(day, time()) + timedelta(hours=hour)
        return local.replace(tzinfo=ZONE).astimezone(timezone.utc)

    def _working(self, moment: datetime) -> datetime:
        """Office staff act between 8:30 and 18:00 local time; later than
        that, the next morning."""
        local = moment.astimezone(ZONE)
        if 8.5 <= local.hour + local.minute / 60 < 18:
            return moment
        day = local.date() + timedelta(days=1 if local.hour >= 18 else 0)
        return self._at(day, 8.75 + self.rng.random() * 1.5)

    def _score(self, username: str) -> int:
        return self.rng.choices((1, 2, 3, 4, 5), SCORE_WEIGHTS[QUALITY.get(username, "usual")])[0]

    def _text(self, kind: str, category: str, lang: str, place: str = "") -> str:
        """A description in the customer's words: the same complaint is never
        told quite the same way (at most a few repeats)."""
        zh, en = DESCRIPTIONS.get((kind, category)) or DESCRIPTIONS[(kind, "other")]
        for _ in range(30):
            text = place + self.rng.choice(OPENINGS[lang]) + self.rng.choice(en if lang == "en" else zh) + \
                self.rng.choice(CLOSINGS[lang])
            if self.said.get(text, 0) < 2:
                break
        self.said[text] = self.said.get(text, 0) + 1
        return text

    def _staff(self, staff_id: int | None) -> Staff | None:
        return self.session.get(Staff, staff_id) if staff_id else None

    def _supervisor(self, unit: Unit) -> Staff:
        """The nearest supervisor or manager up the tree."""
        for ancestor in unit.chain():
            for member in self.org.staff.values():
                if member.unit_id == ancestor.id and member.role in ("supervisor", "manager"):
                    return member
        return self.org.staff["deputy.gm"]

    def _desk(self, unit: Unit) -> Staff:
        """Who takes up a case of this unit: its complaint desk, or for a
        counter (whose only handler may be the one complained about) the
        outlet's supervisor."""
        if unit.level != "counter":
            for member in self.org.staff.values():
                if member.unit_id == unit.id and member.role == "handler" and not member.callback_desk:
                    return member
        return self._supervisor(unit.parent if unit.level == "counter" else unit)

    # -- services, ratings, surveys (bulk) --------------------------------

    def _day(self, day: date) -> None:
        rng = self.rng
        weekday = day.weekday()
        for code, touchpoint in self.org.touchpoints.items():
            bank = code.startswith("DEMO-BANK")
            # Dozens of services a counter a day (fewer on a bank's weekend; the hall shuts on Sundays).
            if bank:
                count = rng.randint(28, 45) if weekday < 5 else rng.randint(6, 14)
            else:
                count = rng.randint(22, 38) if weekday < 6 else 0
            hours = (9, 17) if bank else (8.5, 17.5)
            for _ in range(count):
                when = self._at(day, self._busy_hour(*hours))
                if when < self.now:
                    self._counter_service(touchpoint, when, bank)
        for team in ("DEMO-POWER-URBAN", "DEMO-POWER-RURAL"):
            for _ in range(rng.choice((0, 1, 1, 1, 2, 2))):
                self._repair(team, self._at(day, 7 + rng.random() * 14))
        if weekday < 6:
            for _ in range(rng.choice((0, 1, 1, 1, 2, 2))):
                self._request(self._at(day, 8.5 + rng.random() * 10))
        if rng.random() < 0.05:
            self._stuffing(day)

    def _busy_hour(self, opens: float, closes: float) -> float:
        # Queues peak mid-morning and mid-afternoon.
        hour = self.rng.gauss(self.rng.choice((10.5, 10.5, 15, 15, 12.5)), 1.3)
        return hour if opens <= hour < closes else self.rng.uniform(opens, closes)

    def _service(self, unit: Unit, staff: Staff, when: datetime, service_type: str,
                 customer: Customer | None) -> None:
        event = ServiceEvent(external_id=f"demo-{next(self.sequence):06d}", unit_id=unit.id, staff_id=staff.id,
                             customer_phone=customer.phone if customer else None,
                             locale=customer.locale if customer else None, service_type=service_type,
                             occurred_at=when, created_at=min(when + timedelta(minutes=1), self.now))
        self.rows.append(event)
        if customer is not None:
            self._survey(event, staff, customer)

    def _counter_service(self, touchpoint: Touchpoint, when: datetime, bank: bool) -> None:
        rng = self.rng
        customer = rng.choice(self.bank_customers if bank else self.hall_customers) \
            if rng.random() < (0.7 if bank else 0.9) else None
        self._service(touchpoint.unit, touchpoint.staff, when, rng.choice(BANK_SERVICES if bank else HALL_SERVICES),
                      customer)
        rated = when + timedelta(minutes=rng.randint(1, 6))
        # Few customers scan the code: far fewer than half.
        if rng.random() < QR_SCAN_RATE and rated < self.now:
            self._qr_rating(touchpoint, rated, customer)

    def _qr_rating(self, touchpoint: Touchpoint, when: datetime, customer: Customer | None) -> None:
        rng = self.rng
        locale = customer.locale if customer else ("en" if rng.random() < 0.08 else "zh_Hans_CN")
        lang = "en" if locale == "en" else "zh"
        score = self._score(touchpoint.staff.username)
        comment = None
        if score <= 3 and rng.random() < 0.6 or score >= 4 and rng.random() < 0.12:
            comment = rng.choice(COMMENTS[(lang, "bad" if score <= 3 else "good")])
        dimensions = {}
        if rng.random() < 0.4:
            dimensions = {name: max(1, min(5, score + rng.choice((-1, 0, 0, 0, 1))))
                          for name in ("attitude", "skill", "timeliness", "promises")}
        rating = Rating(channel="qr", unit_id=touchpoint.unit_id, staff_id=touchpoint.staff_id,
                        touchpoint_id=touchpoint.id, score=score, comment=comment, locale=locale, created_at=when,
                        device_hash=hashlib.sha256(rng.randbytes(16)).hexdigest(), suspect=False, **dimensions)
        if score <= 2 and customer is not None and rng.random() < 0.3:
            # The customer left a phone number and said what went wrong: the rating page opens a case.
            rating.comment = self._text("complaint", rng.choice(("attitude", "waiting_time", "service_quality")),
                                        lang)
            self.agenda.start(self._low_rating_life(rating, customer))
        else:
            self.rows.append(rating)

    def _stuffing(self, day: date) -> None:
        """One phone rating the same counter again and again: kept, flagged."""
        rng = self.rng
        touchpoint = rng.choice(list(self.org.touchpoints.values()))
        device = hashlib.sha256(rng.randbytes(16)).hexdigest()
        when = self._at(day, 11 + rng.random() * 4)
        for repeat in range(rng.randint(4, 7)):
            at = when + timedelta(minutes=2 * repeat)
            if at >= self.now:
                return
            self.rows.append(Rating(channel="qr", unit_id=touchpoint.unit_id, staff_id=touchpoint.staff_id,
                                    touchpoint_id=touchpoint.id, score=5, locale="zh_Hans_CN", created_at=at,
                                    device_hash=device, suspect=repeat > 0,
                                    suspect_reason="repeat_device" if repeat > 0 else None))

    def _survey(self, event: ServiceEvent, staff: Staff, customer: Customer) -> None:
        """The SMS survey that followed the service (unless the customer
        opted out or was asked within 30 days): answered, expired, or in the
        last three days still open."""
        rng = self.rng
        sent = event.occurred_at + SURVEY_DELAY
        if customer.opted_out_at or sent >= self.now:
            return
        if customer.last_surveyed_at and sent - customer.last_surveyed_at < SURVEY_THROTTLE:
            return
        customer.last_surveyed_at = sent
        self.contacts[customer.phone] = customer
        survey = Survey(service_event=event, phone=customer.phone, status="expired", sent_at=sent,
                        expires_at=sent + SURVEY_EXPIRY)
        rating = None
        draw = rng.random()
        replied = sent + timedelta(minutes=rng.choice((2, 5, 15, 60, 240, 900)) * (0.5 + rng.random()))
        if draw < 0.42 and replied < self.now:
            score = self._score(staff.username)
            rating = Rating(channel="sms", unit_id=event.unit_id, staff_id=staff.id, score=score,
                            locale=customer.locale, created_at=replied, suspect=False)
            self.rows.append(rating)
            survey.status, survey.answered_at = "answered", replied
            self._inbound(customer.phone, str(score), "rating", replied, score)
        elif draw > 0.985 and replied < self.now:
            customer.opted_out_at = replied
            self._inbound(customer.phone, "STOP" if customer.locale == "en" else "退订", "opt_out", replied)
        if survey.status == "expired" and survey.expires_at > self.now:
            survey.status = "open"
        self.surveys.append((survey, rating))

    def _inbound(self, phone: str, body: str, outcome: str, at: datetime, score: int | None = None) -> None:
        self.rows.append(InboundMessage(provider_id=f"SM{self.rng.getrandbits(128):032x}", from_phone=phone,
                                        body=body, outcome=outcome, received_at=at, score=score))

    # -- cases: planned day by day, lived in time order --------------------

    def _request(self, when: datetime, claimed: bool = True, stalled: bool = False) -> None:
        """A complaint, question, suggestion or praise at a bank outlet, the
        branch or the hall."""
        if when >= self.now:
            return
        rng = self.rng
        kind = "complaint" if stalled else \
            rng.choices(("complaint", "consultation", "suggestion", "praise"), (55, 20, 10, 15))[0]
        category = {"complaint": rng.choices(("attitude", "waiting_time", "service_quality", "billing",
                                              "environment", "other"), (25, 30, 20, 15, 5, 5))[0],
                    "consultation": "other", "suggestion": "environment", "praise": "attitude"}[kind]
        unit = self.org.units[rng.choice(("DEMO-BANK-RMR", "DEMO-BANK-RMR", "DEMO-BANK-JFR", "DEMO-BANK-XHR",
                                          "DEMO-BANK", "DEMO-POWER", "DEMO-POWER"))]
        channel = rng.choices(("web", "phone", "walk_in", "sms", "email", "qr"), (25, 25, 15, 10, 10, 15))[0]
        if not claimed:
            channel = rng.choice(("web", "qr", "sms"))
        customer = rng.choice(self.hall_customers if unit.code == "DEMO-POWER" else self.bank_customers)
        subject = None
        if kind == "complaint" and category == "attitude" and unit.level == "outlet":
            # About a teller at a counter: the outlet supervising it takes it, never the teller.
            counter = rng.choice([u for u in self.org.units.values() if u.parent_id == unit.id])
            unit = counter
            subject = next(m for m in self.org.staff.values() if m.unit_id == counter.id)
        self.agenda.start(self._request_life(when, unit, kind, category, channel, customer, claimed, subject,
                                             stalled))

    def _request_life(self, when: datetime, unit: Unit, kind: str, category: str, channel: str,
                      customer: Customer, claimed: bool, subject: Staff | None = None,
                      stalled: bool = False) -> Life:
        rng = self.rng
        at = yield when
        desk = self._desk(unit)
        description = self._text(kind, category, customer.lang)
        email = f"customer{rng.randint(100, 999)}@example.com" if channel == "email" else None
        if channel in ("phone", "walk_in"):
            # Recorded by staff: they are its first responder, and a serious
            # matter or a claim is entered as such.
            amount = Decimal(rng.choice((200, 680, 1500, 3200, 6000))) \
                if category == "billing" and rng.random() < 0.4 else None
            case = open_case(self.session, NewCase(
                channel=channel, kind=kind, category=category, unit_id=unit.id, description=description,
                severity="major" if kind == "complaint" and rng.random() < 0.08 else "normal",
                amount_claimed=amount, contact_name=customer.name, contact_phone=customer.phone,
                contact_address=customer.address or None, locale=customer.locale, consent=True,
                subject_staff_id=subject.id if subject else None), at, recorded_by=desk)
        else:
            slot = rng.choice((None, None, "anytime", "weekday_afternoon", "weekday_evening", "weekend"))
            filed = file_complaint(self.session, Complaint(
                description=description, channel=channel, kind=kind, category=category, unit_id=unit.id,
                name=customer.name, phone=None if email else customer.phone, email=email, consent=True,
                callback_slot=slot, preferred_callback=rng.choice((None, None, None, "周三不方便接电话")),
                locale=customer.locale, subject_staff_id=subject.id if subject else None), now=at, config=self.config)
            if filed.joined:
                return
            case = filed.case
            if not claimed:
                return
            # Now and then a case sits in the queue for a day or two: the tick escalates it.
            wait = rng.randint(20 * 60, 60 * 60) if rng.random() < 0.08 else rng.randint(5, 150)
            at = yield self._working(at + timedelta(minutes=wait))
            claim(self.session, case, desk, at)
        if stalled:  # answered, then left: its resolution limit runs out
            at = yield self._working(at + timedelta(minutes=rng.randint(30, 240)))
            reply(self.session, case, desk, rng.choice(REPLIES[customer.lang]), at)
            return
        yield from self._handle(case, at, desk, customer.lang)

    def _low_rating_life(self, rating: Rating, customer: Customer) -> Life:
        at = yield rating.created_at
        self.session.add(rating)
        self.session.flush()
        filed = close_the_loop(self.session, rating, name=customer.name, phone=customer.phone, email=None,
                               now=at, config=self.config)
        if filed is None or filed.joined:
            return
        desk = self._desk(self.unit_by_id[rating.unit_id])
        at = yield self._working(at + timedelta(minutes=self.rng.randint(10, 120)))
        claim(self.session, filed.case, desk, at)
        yield from self._handle(filed.case, at, desk, customer.lang)

    def _handle(self, case: Case, at: datetime, owner: Staff, lang: str) -> Life:
        """Answer, perhaps pass it up or wait for the customer, resolve, call back."""
        rng = self.rng
        at = yield self._working(at + timedelta(minutes=rng.randint(20, 20 * 60)))
        reply(self.session, case, owner, rng.choice(REPLIES[lang]), at)
        if case.kind == "complaint" and owner.role == "handler" and (case.severity == "major" or rng.random() < 0.2):
            boss = self._supervisor(self.unit_by_id[case.unit_id])
            at = yield at + timedelta(minutes=rng.randint(10, 120))
            transfer(self.session, case, owner, to_staff=boss, reason="需要网点负责人协调处理", now=at)
            owner = boss
        if rng.random() < 0.1:
            at = yield at + timedelta(hours=rng.uniform(1, 6))
            wait_for_customer(self.session, case, owner, "请您提供交易流水号或电费账单照片，以便核实。", at)
            at = yield at + timedelta(hours=rng.uniform(4, 40))
            add_customer_message(self.session, case, at, "已补充，请查收。", "web")
            at = yield self._working(at + timedelta(minutes=rng.randint(30, 180)))
            resume(self.session, case, owner, at)
        # A few drag on for a week: they climb the escalation ladder meanwhile.
        slow = case.kind == "complaint" and rng.random() < 0.06
        at = yield self._working(at + (timedelta(days=rng.uniform(5, 9)) if slow
                                       else timedelta(hours=rng.uniform(3, 96))))
        callback = resolve(self.session, case, owner, rng.choice(RESOLUTIONS[(case.kind, lang)]), at)
        yield from self._call_back(case, callback, owner, lang)

    def _call_back(self, case: Case, callback: Callback, owner: Staff, lang: str) -> Life:
        """The next working morning someone calls the customer (RULES 4): now
        and then nobody answers, rarely the call is forgotten (the tick marks
        it missed), and a customer who is not satisfied has the case reopened."""
        rng = self.rng
        # The callback desk of the case's side calls: never its owner, first responder or subject.
        caller = self.org.staff["bank.callback" if self.unit_by_id[case.unit_id].code.startswith("DEMO-BANK")
                                else "power.callback"]
        draw = rng.random()
        if draw < 0.02:
            at = yield callback.due_end + timedelta(hours=rng.uniform(20, 30))
            close(self.session, case, owner, at)
            return
        if draw < 0.12:
            at = yield callback.due_start + timedelta(minutes=rng.randint(0, 150))
            record_outcome(self.session, callback, caller, outcome="no_answer", answers=None, now=at)
        at = yield callback.due_start + timedelta(minutes=rng.randint(0, 150))
        weights = CALLBACK_WEIGHTS[QUALITY.get(owner.username, "usual")]
        answers = {item: rng.choices(CALLBACK_LEVELS, weights)[0] for item in CALLBACK_ITEMS}
        unhappy = any(level in ("average", "poor") for level in answers.values())
        reopen = unhappy and case.kind in ("complaint", "repair") and rng.random() < 0.4
        record_outcome(self.session, callback, caller, outcome="reached", answers=answers, now=at,
                       comment="客户表示问题没有彻底解决。" if reopen else "",
                       reopen=reopen, reopen_reason=self._text("reopen", "other", "zh"))
        if reopen:
            follow_up = self.session.scalars(select(Case).where(Case.reopened_from_id == case.id)).one()
            yield from self._handle(follow_up, at, self._staff(follow_up.owner_id) or owner, lang)
            return
        at = yield at + timedelta(minutes=rng.randint(2, 30))
        close(self.session, case, owner, at)

    def _repair(self, team_code: str, when: datetime) -> None:
        """A fault reported to the hotline and dispatched to a repair team.
        The completed repair is a service, with its SMS survey."""
        if when >= self.now:
            return
        rng = self.rng
        team = self.org.units[team_code]
        customer = rng.choice(self.hall_customers)
        fitter = rng.choice([m for m in self.org.staff.values() if m.unit_id == team.id and m.role == "handler"])
        # Urban crews arrive within 30 minutes and rural ones within 2 hours, mostly.
        arrived = when + timedelta(minutes=rng.randint(60, 150) if team.area == "rural" else rng.randint(12, 38))
        fixed = arrived + timedelta(minutes=rng.randint(20, 150))
        if fixed < self.now:
            self._service(team, fitter, fixed, "repair", customer)
        self.agenda.start(self._repair_life(when, team, customer, fitter, arrived, fixed))

    def _repair_life(self, when: datetime, team: Unit, customer: Customer, fitter: Staff, arrived: datetime,
                     fixed: datetime) -> Life:
        rng = self.rng
        desk = self.org.staff["power.desk"]
        at = yield when
        case = open_case(self.session, NewCase(
            channel="phone", kind="repair", category="fault", unit_id=team.id,
            description=self._text("repair", "fault", customer.lang, place=f"{customer.address}："
                                    if customer.lang == "zh" else f"{customer.address}: "),
            contact_name=customer.name,
            contact_phone=customer.phone, contact_address=customer.address, locale=customer.locale, consent=True),
            at, recorded_by=desk)
        at = yield at + timedelta(minutes=rng.randint(2, 8))
        transfer(self.session, case, desk, to_staff=fitter, reason=f"派单至{team.name}", now=at)
        yield arrived
        record_arrival(self.session, case, fitter, arrived)
        yield fixed
        callback = resolve(self.session, case, fitter, rng.choice(RESOLUTIONS[("repair", customer.lang)]), fixed)
        yield from self._call_back(case, callback, fitter, customer.lang)

    def _ticks(self, start: datetime) -> Life:
        """The tick every two hours (the live one runs every minute; for history
        this is fine enough): warnings, escalations, callback reminders and misses."""
        at = start
        while True:
            at = yield at + TICK
            escalation_tick(self.session, at)
            callback_tick(self.session, at)


def summary(session: Session, public_url: str) -> str:
    """What `feedback demo` prints: where to go and how to log in."""
    public_url = public_url.rstrip("/")
    touchpoint = session.scalars(
        select(Touchpoint).join(Unit, Touchpoint.unit_id == Unit.id)
        .where(Unit.code.like("DEMO-%"), Touchpoint.active.is_(True)).order_by(Touchpoint.id).limit(1)
    ).first()
    names = {s.username: s for s in session.scalars(select(Staff).where(Staff.username.in_([s[0] for s in STAFF])))}

    def total(model) -> int:
        return session.scalar(select(func.count()).select_from(model))

    lines = [
        f"Demo organisation loaded: {unit_by_code(session, DEMO_CODE).name}, a bank branch with three outlets and a "
        f"power service hall with urban and rural repair teams; on record: {total(ServiceEvent)} services, "
        f"{total(Rating)} ratings, {total(Case)} cases.",
        "",
        f"  Rate a counter (its QR code): {touchpoint_url(public_url, touchpoint) if touchpoint else '-'}",
        f"  Staff login:                  {public_url}/login",
        f"  Handler queue:                {public_url}/cases",
        f"  Administration:               {public_url}/admin",
        "",
        f"Logins (every password is {PASSWORD}), by what to try first:",
    ]
    rows = {username: (role, unit, ladder) for username, role, unit, _zh, _en, ladder in STAFF}
    grouped = [name for _heading, usernames in LOGIN_GROUPS for name in usernames]
    for heading, usernames in (*LOGIN_GROUPS, ("Everyone else", [u for u in rows if u not in grouped])):
        lines += ["", f"  {heading}:", f"  {'username':<16} {'role':<22} {'unit':<18} name"]
        for username in usernames:
            member = names.get(username)
            if member is None:
                continue
            role, unit, ladder = rows[username]
            shown_role = f"{role} ({ladder})" if ladder else role + (" (callbacks)" if member.callback_desk else "")
            lines.append(f"  {username:<16} {shown_role:<22} {unit:<18} {member.display_name}")
    return "\n".join(lines)
