"""The demo organisation and about 90 days of its history, for `feedback demo`.

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
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from intake.services.complaints import Complaint, file_complaint
from intake.shell.schema import metadata
from intake.models import InboundMessage, Survey, Touchpoint
from routing.models import ServiceEvent
from intake.services.ratings import close_the_loop
from intake.services.touchpoints import create_touchpoint, touchpoint_url
from routing.services.callback_outcome import record_outcome
from routing.services.callbacks import callback_tick
from routing.services.cases import NewCase, open_case
from routing.services.timeline import add_customer_message
from routing.services.escalation import escalation_tick
from routing.services.lifecycle import claim, close, record_arrival, reply, resolve, resume, transfer, wait_for_customer
from routing.models import Callback, Case, Contact, Notification, OutboundMessage, Rating, Staff, Unit
from routing.services.org import create_staff, create_unit, unit_by_code

DEMO_CODE = "DEMO"
PASSWORD = "demo1234"
SEED = 20261102
DAYS = 90
ZONE = ZoneInfo("Asia/Shanghai")
SURVEY_DELAY = timedelta(minutes=10)
SURVEY_EXPIRY = timedelta(hours=72)
SURVEY_THROTTLE = timedelta(days=30)
TICK = timedelta(hours=2)
# What the intake services read from the app's configuration.
CONFIG = {"DEFAULT_REGION": "CN", "BABEL_DEFAULT_LOCALE": "zh_Hans_CN", "LOW_RATING_THRESHOLD": 2,
          "COMMENT_MAX_LENGTH": 1000, "RATING_INTERVAL_MINUTES": 30}

# code, name, level, parent code, area
UNITS = (
    ("DEMO", "示范服务集团", "company", None, "urban"),
    ("DEMO-BANK", "城东支行", "branch", "DEMO", "urban"),
    ("DEMO-BANK-RMR", "人民路营业部", "outlet", "DEMO-BANK", "urban"),
    ("DEMO-BANK-RMR-1", "1号窗口", "counter", "DEMO-BANK-RMR", "urban"),
    ("DEMO-BANK-RMR-2", "2号窗口", "counter", "DEMO-BANK-RMR", "urban"),
    ("DEMO-BANK-RMR-3", "3号窗口", "counter", "DEMO-BANK-RMR", "urban"),
    ("DEMO-BANK-JFR", "解放路分理处", "outlet", "DEMO-BANK", "urban"),
    ("DEMO-BANK-JFR-1", "1号窗口", "counter", "DEMO-BANK-JFR", "urban"),
    ("DEMO-BANK-JFR-2", "2号窗口", "counter", "DEMO-BANK-JFR", "urban"),
    ("DEMO-BANK-XHR", "新华路分理处", "outlet", "DEMO-BANK", "urban"),
    ("DEMO-BANK-XHR-1", "1号窗口", "counter", "DEMO-BANK-XHR", "urban"),
    ("DEMO-BANK-XHR-2", "2号窗口", "counter", "DEMO-BANK-XHR", "urban"),
    ("DEMO-POWER", "城东供电服务大厅", "department", "DEMO", "urban"),
    ("DEMO-POWER-1", "1号窗口", "counter", "DEMO-POWER", "urban"),
    ("DEMO-POWER-2", "2号窗口", "counter", "DEMO-POWER", "urban"),
    ("DEMO-POWER-URBAN", "城区抢修班", "team", "DEMO-POWER", "urban"),
    ("DEMO-POWER-RURAL", "乡镇抢修班", "team", "DEMO-POWER", "rural"),
)

# username, role, unit code, Chinese name, English name, ladder position
STAFF = (
    ("admin", "admin", "DEMO", "系统管理员", "Administrator", None),
    ("gm", "executive", "DEMO", "赵建国", "Zhao Jianguo", "gm"),
    ("deputy.gm", "executive", "DEMO", "钱丽华", "Qian Lihua", "deputy_gm"),
    ("bank.manager", "manager", "DEMO-BANK", "孙伟", "Sun Wei", None),
    ("power.manager", "manager", "DEMO-POWER", "李强", "Li Qiang", None),
    ("rmr.supervisor", "supervisor", "DEMO-BANK-RMR", "周敏", "Zhou Min", None),
    ("jfr.supervisor", "supervisor", "DEMO-BANK-JFR", "吴刚", "Wu Gang", None),
    ("xhr.supervisor", "supervisor", "DEMO-BANK-XHR", "郑洁", "Zheng Jie", None),
    ("hall.supervisor", "supervisor", "DEMO-POWER", "王磊", "Wang Lei", None),
    ("urban.leader", "supervisor", "DEMO-POWER-URBAN", "冯涛", "Feng Tao", None),
    ("rural.leader", "supervisor", "DEMO-POWER-RURAL", "陈勇", "Chen Yong", None),
    # The complaint desks: the branch's, each outlet's lobby manager, the hall's.
    ("bank.desk", "handler", "DEMO-BANK", "褚红", "Chu Hong", None),
    ("rmr.lobby", "handler", "DEMO-BANK-RMR", "许晴", "Xu Qing", None),
    ("jfr.lobby", "handler", "DEMO-BANK-JFR", "曹阳", "Cao Yang", None),
    ("xhr.lobby", "handler", "DEMO-BANK-XHR", "邓丽", "Deng Li", None),
    ("power.desk", "handler", "DEMO-POWER", "卫东", "Wei Dong", None),
    ("rmr.teller1", "handler", "DEMO-BANK-RMR-1", "王芳", "Wang Fang", None),
    ("rmr.teller2", "handler", "DEMO-BANK-RMR-2", "刘洋", "Liu Yang", None),
    ("rmr.teller3", "handler", "DEMO-BANK-RMR-3", "张静", "Zhang Jing", None),
    ("jfr.teller1", "handler", "DEMO-BANK-JFR-1", "黄磊", "Huang Lei", None),
    ("jfr.teller2", "handler", "DEMO-BANK-JFR-2", "林小雨", "Lin Xiaoyu", None),
    ("xhr.teller1", "handler", "DEMO-BANK-XHR-1", "何娟", "He Juan", None),
    ("xhr.teller2", "handler", "DEMO-BANK-XHR-2", "高峰", "Gao Feng", None),
    ("hall.clerk1", "handler", "DEMO-POWER-1", "罗敏", "Luo Min", None),
    ("hall.clerk2", "handler", "DEMO-POWER-2", "梁晨", "Liang Chen", None),
    ("urban.repair1", "handler", "DEMO-POWER-URBAN", "蒋鹏", "Jiang Peng", None),
    ("urban.repair2", "handler", "DEMO-POWER-URBAN", "沈浩", "Shen Hao", None),
    ("rural.repair1", "handler", "DEMO-POWER-RURAL", "韩斌", "Han Bin", None),
    ("rural.repair2", "handler", "DEMO-POWER-RURAL", "杨帆", "Yang Fan", None),
)

# Chance of each score 1..5, by how well a staff member serves.
SCORE_WEIGHTS = {
    "good": (1, 1, 3, 20, 75),
    "usual": (2, 2, 6, 27, 63),
    "weak": (6, 6, 14, 34, 40),
}
# Everyone not named here serves as usual.
QUALITY = {"rmr.teller1": "good", "xhr.teller1": "good", "jfr.teller2": "weak", "urban.repair1": "good",
           "rural.repair2": "weak"}
# Callback answers (RULES 4) by the same measure.
CALLBACK_WEIGHTS = {
    "good": (72, 27, 1, 0),
    "usual": (60, 37, 2, 1),
    "weak": (40, 48, 8, 4),
}
CALLBACK_LEVELS = ("very_satisfied", "satisfied", "average", "poor")
CALLBACK_ITEMS = ("attitude", "skill", "arrival_time", "keeping_promises")

BANK_SERVICES = ("deposit", "withdrawal", "transfer", "account_opening", "card", "wealth_management")
HALL_SERVICES = ("bill_payment", "new_connection", "meter_check", "name_transfer")

COMMENTS = {
    ("zh", "good"): ("服务很热情，办理很快。", "柜员很耐心，解释得很清楚。", "环境干净，排队时间不长。",
                     "态度好，点赞！", "业务熟练，十分钟就办完了。"),
    ("en", "good"): ("Friendly and quick, thank you.", "The clerk explained everything clearly.",
                     "Short wait, very efficient."),
    ("zh", "bad"): ("排队等了四十多分钟，只开了两个窗口。", "工作人员态度冷淡，问问题很不耐烦。",
                    "同一份材料让我跑了两趟。", "叫号机坏了，没人管。", "办理太慢，中途还离开窗口。"),
    ("en", "bad"): ("Waited almost an hour with only two counters open.",
                    "Nobody could explain the fee on my account.",
                    "The staff member was on the phone while serving me."),
}

# kind, category -> descriptions in Chinese and in English
DESCRIPTIONS = {
    ("complaint", "attitude"): (
        ("柜员对我说话很不客气，我问了两遍手续费怎么算，她直接说看墙上的公告。",
         "大堂经理态度生硬，老人不会用自助机，他不但不帮忙还催我们快点。"),
        ("The teller was rude when I asked twice how the fee is calculated.",)),
    ("complaint", "waiting_time"): (
        ("周一上午排队一个多小时，十个窗口只开了两个。", "预约了上午十点办理，结果等到十一点半才叫号。"),
        ("I waited over an hour on Monday morning; only two counters were open.",)),
    ("complaint", "service_quality"): (
        ("办理挂失时工作人员录错了身份证号，导致新卡无法激活，又跑了一趟。",
         "转账业务办理后没有给回单，打电话问了三次都说不清楚。"),
        ("My new card could not be activated because the clerk typed my ID number wrongly.",)),
    ("complaint", "billing"): (
        ("上月电费比平时高了一倍，家里没有新增电器，怀疑电表有问题。",
         "账户被扣了一笔不明的年费，事先没有任何通知。"),
        ("My electricity bill doubled last month without any new appliances.",)),
    ("complaint", "environment"): (
        ("营业厅空调坏了，里面非常闷热，等候区也没有饮用水。",), ("The hall's air conditioning was broken.",)),
    ("complaint", "other"): (
        ("停车场被施工占用，没有任何提示，绕了很久。",), ("The car park was closed without notice.",)),
    ("consultation", "other"): (
        ("请问新装一户居民用电需要带哪些材料？", "想咨询一下大额存单的起存金额和利率。"),
        ("Which documents do I need to open an account as a foreign resident?",)),
    ("suggestion", "environment"): (
        ("建议在等候区增加老年人专用座椅和老花镜。", "希望周末也能多开一个窗口。"),
        ("Please add a second counter on Saturday mornings.",)),
    ("praise", "attitude"): (
        ("王芳柜员非常耐心，帮我母亲办好了养老金卡，特此表扬！", "抢修师傅半夜冒雨赶来，二十分钟就恢复供电了，非常感谢。"),
        ("The repair team came out at night in the rain and fixed our power in 20 minutes. Thank you!",)),
    ("repair", "fault"): (
        ("家里整栋楼停电了，楼道里有焦糊味。", "电表箱冒火花，开关一直跳闸。", "村里有一段线路被树枝压断了。"),
        ("The whole building has lost power and there is a burning smell in the stairwell.",)),
}
REPLIES = {
    "zh": ("您好，您反映的问题我们已经收到，正在核实，会尽快给您答复。", "您好，已联系相关网点负责人，今天下班前给您回复处理方案。"),
    "en": ("Thank you, we have received your message and are looking into it. We will answer you soon.",),
}
RESOLUTIONS = {
    ("complaint", "zh"): ("经核实，情况属实，已对当事员工进行批评教育，并向您致歉。", "已为您重新办理，多收的费用已退回原账户。",
                          "已增开高峰时段窗口，并调整了排班。"),
    ("complaint", "en"): ("We checked what happened, apologise, and have corrected it.",),
    ("consultation", "zh"): ("已电话告知所需材料清单，并短信发送了办理指南。",),
    ("consultation", "en"): ("We sent you the list of documents and the guide by message.",),
    ("suggestion", "zh"): ("感谢您的建议，已提交网点改进，下月起实施。",),
    ("suggestion", "en"): ("Thank you: your suggestion will be put in place from next month.",),
    ("praise", "zh"): ("感谢您的表扬，已转达给该员工并纳入月度服务之星评选。",),
    ("praise", "en"): ("Thank you: we passed your words on to our colleague.",),
    ("repair", "zh"): ("已更换烧毁的熔断器，恢复供电。", "已修复断线并加装绝缘护套，恢复供电。", "已更换损坏的空气开关。"),
    ("repair", "en"): ("The burnt fuse was replaced and the power is back.",),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "桂兰", "建华")
EN_NAMES = ("John Smith", "Emma Brown", "Lucas Müller", "Aiko Tanaka", "Maria Garcia", "David Lee")
STREETS = ("人民路", "解放路", "新华路", "建设路", "和平街", "朝阳村", "东湖镇")


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
    _ensure_schema(session)
    if unit_by_code(session, DEMO_CODE) is None:
        days = days or DAYS
        org = _organisation(session, now - timedelta(days=days))
        # No request here to choose a language from: the organisation's own
        # (messages to customers and staff still go out in theirs).
        with force_locale(CONFIG["BABEL_DEFAULT_LOCALE"]):
            _History(session, org, now, random.Random(SEED), days, {**CONFIG, "PUBLIC_URL": public_url}).load()
        session.flush()
    return summary(session, public_url)


def _ensure_schema(session: Session) -> None:
    """Until migrations cover every table, a fresh database gets them here;
    on a migrated database this does nothing."""
    # The session's own connection: a second one would wait for its lock on SQLite.
    connection = session.connection()
    if not inspect(connection).has_table("unit"):
        metadata.create_all(connection)


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
                              ladder_position=ladder)
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
        self.bank_customers = [self._customer() for _ in range(900)]
        self.hall_customers = [self._customer(address=True) for _ in range(500)]
        self.unit_by_id = {unit.id: unit for unit in org.units.values()}

    def load(self) -> None:
        outbox_before = self.session.scalar(select(func.max(OutboundMessage.id))) or 0
        today = self.now.astimezone(ZONE).date()
        start = self._at(today - timedelta(days=self.days - 1), 0)
        for back in range(self.days - 1, -1, -1):
            self._day(today - timedelta(days=back))
        for minutes_ago in (95, 40, 12):  # whenever the demo starts, a few cases wait to be claimed
            self._request(self.now - timedelta(minutes=minutes_ago), claimed=False)
        self.agenda.start(self._ticks(start))
        self.agenda.run()
        self.session.add_all(self.rows)
        self.session.add_all(Contact(address=c.phone, locale=c.locale, opted_out_at=c.opted_out_at,
                                     last_surveyed_at=c.last_surveyed_at) for c in self.contacts.values())
        self.session.flush()  # ratings get their ids for the surveys
        for survey, rating in self.surveys:
            survey.rating_id = rating.id if rating is not None else None
        self.session.add_all(survey for survey, _ in self.surveys)
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

    def _text(self, kind: str, category: str, lang: str) -> str:
        zh, en = DESCRIPTIONS.get((kind, category)) or DESCRIPTIONS[(kind, "other")]
        return self.rng.choice(en if lang == "en" else zh)

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
                if member.unit_id == unit.id and member.role == "handler":
                    return member
        return self._supervisor(unit.parent if unit.level == "counter" else unit)

    # -- services, ratings, surveys (bulk) --------------------------------

    def _day(self, day: date) -> None:
        rng = self.rng
        weekday = day.weekday()
        for code, touchpoint in self.org.touchpoints.items():
            bank = code.startswith("DEMO-BANK")
            if bank:
                count = rng.randint(6, 9) if weekday < 5 else rng.randint(1, 4)
            else:
                count = rng.randint(4, 7) if weekday < 6 else 0
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
        if rng.random() < 0.3 and rated < self.now:
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
            # The customer left a phone number: the rating page opens a case.
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

    def _request(self, when: datetime, claimed: bool = True) -> None:
        """A complaint, question, suggestion or praise at a bank outlet, the
        branch or the hall."""
        if when >= self.now:
            return
        rng = self.rng
        kind = rng.choices(("complaint", "consultation", "suggestion", "praise"), (55, 20, 10, 15))[0]
        category = {"complaint": rng.choices(("attitude", "waiting_time", "service_quality", "billing",
                                              "environment", "other"), (25, 30, 20, 15, 5, 5))[0],
                    "consultation": "other", "suggestion": "environment", "praise": "attitude"}[kind]
        unit = self.org.units[rng.choice(("DEMO-BANK-RMR", "DEMO-BANK-RMR", "DEMO-BANK-JFR", "DEMO-BANK-XHR",
                                          "DEMO-BANK", "DEMO-POWER", "DEMO-POWER"))]
        channel = rng.choices(("web", "phone", "walk_in", "sms", "email", "qr"), (25, 25, 15, 10, 10, 15))[0]
        if not claimed:
            channel = rng.choice(("web", "qr", "sms"))
        customer = rng.choice(self.hall_customers if unit.code == "DEMO-POWER" else self.bank_customers)
        self.agenda.start(self._request_life(when, unit, kind, category, channel, customer, claimed))

    def _request_life(self, when: datetime, unit: Unit, kind: str, category: str, channel: str,
                      customer: Customer, claimed: bool) -> Life:
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
                contact_address=customer.address or None, locale=customer.locale, consent=True), at,
                recorded_by=desk)
        else:
            filed = file_complaint(self.session, Complaint(
                description=description, channel=channel, kind=kind, category=category, unit_id=unit.id,
                name=customer.name, phone=None if email else customer.phone, email=email, consent=True,
                preferred_callback=rng.choice((None, None, "工作日下午")), locale=customer.locale),
                now=at, config=self.config)
            if filed.joined or not claimed:
                return
            case = filed.case
            # Now and then a case sits in the queue for a day or two: the tick escalates it.
            wait = rng.randint(20 * 60, 60 * 60) if rng.random() < 0.08 else rng.randint(5, 150)
            at = yield self._working(at + timedelta(minutes=wait))
            claim(self.session, case, desk, at)
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
        caller = self._staff(case.first_responder_id) or owner
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
                       reopen=reopen, reopen_reason="回访时客户表示问题没有彻底解决，要求重新处理。")
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
            description=self._text("repair", "fault", customer.lang), contact_name=customer.name,
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
        f"Logins (every password is {PASSWORD}):",
        f"  {'username':<16} {'role':<22} {'unit':<18} name",
    ]
    for username, role, unit, _zh, _en, ladder in STAFF:
        member = names.get(username)
        if member is None:
            continue
        shown_role = f"{role} ({ladder})" if ladder else role
        lines.append(f"  {username:<16} {shown_role:<22} {unit:<18} {member.display_name}")
    return "\n".join(lines)
