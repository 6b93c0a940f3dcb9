"""The demo's data: its organisation, its people, how well each serves, and
the words its customers and handlers use (intake.demo.loader plays them out)."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

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
    # The callback desks (回访): they call customers back on cases they did not handle.
    ("bank.callback", "handler", "DEMO-BANK", "秦月", "Qin Yue", None),
    ("power.callback", "handler", "DEMO-POWER", "尤佳", "You Jia", None),
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

CALLBACK_DESK = ("bank.callback", "power.callback")
QR_SCAN_RATE = 0.12
# What to try first, for `feedback demo`'s list of logins.
LOGIN_GROUPS = (
    ("Start here: the overview of a manager and of the general manager", ("bank.manager", "gm")),
    ("What needs a supervisor: escalations, low ratings, verdicts to give", ("rmr.supervisor", "hall.supervisor")),
    ("Work a queue and call customers back", ("rmr.lobby", "power.desk", "bank.callback")),
    ("At a counter or in a repair team", ("rmr.teller1", "jfr.teller2", "urban.repair1")),
    ("Set up policies, calendars, staff and QR codes", ("admin",)),
)
# How well each unit does in the checks supervisors enter (0-1; others 0.5).
UNIT_QUALITY = {"DEMO-BANK-RMR": 0.8, "DEMO-BANK-JFR": 0.35, "DEMO-BANK-XHR": 0.6, "DEMO-POWER": 0.7,
                "DEMO-POWER-URBAN": 0.85, "DEMO-POWER-RURAL": 0.3}

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
# Said around a description, so no two customers write quite the same.
OPENINGS = {
    "zh": ("", "今天上午", "昨天下午", "上周三", "本周一", "前天", "上个月底", "周六上午", "今天中午", "刚才"),
    "en": ("", "This morning: ", "Yesterday afternoon: ", "Last Wednesday: ", "On Monday: ", "Two days ago: "),
}
CLOSINGS = {
    "zh": ("", "希望给个说法。", "请尽快处理。", "希望以后改进。", "请给我回个电话。", "要求当面道歉。",
           "希望有人跟进。", "已经不是第一次了。"),
    "en": ("", " Please call me back.", " I expect an apology.", " Please look into it.", " It is not the first time."),
}
DESCRIPTIONS[("reopen", "other")] = (
    ("回访时客户表示问题没有彻底解决，要求重新处理。", "客户说答应的退款还没到账。", "客户表示维修后同样的故障又出现了。",
     "客户对处理结果不认可，要求上级领导出面。", "客户说承诺的回电一直没有接到。", "客户认为解释不清楚，要求书面答复。"),
    ("The customer says the problem came back.",))
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
