"""China's official working days in tests: the State Council's notice for
2026 written out as the independent reference, and python-holidays as it is
before (and after) the notice for 2027 is published."""
from __future__ import annotations

from datetime import date

from holidays.calendars.gregorian import JAN
from holidays.countries.china import ChinaStaticHolidays

from routing.rules.official_days import forget

# 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号), 2025-11-04.
NOTICE_2026_HOLIDAYS = [
    # 一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。
    date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3),
    # 二、春节：2月15日（农历腊月二十八、周日）至23日（周一）放假调休，共9天。
    *(date(2026, 2, d) for d in range(15, 24)),
    # 三、清明节：4月4日（周六）至6日（周一）放假，共3天。
    date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6),
    # 四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。
    *(date(2026, 5, d) for d in range(1, 6)),
    # 五、端午节：6月19日（周五）至21日（周日）放假，共3天。
    date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21),
    # 六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
    date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27),
    # 七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。
    *(date(2026, 10, d) for d in range(1, 8)),
]
NOTICE_2026_WORKDAYS = [
    date(2026, 1, 4),                       # 1月4日（周日）上班
    date(2026, 2, 14), date(2026, 2, 28),   # 2月14日（周六）、2月28日（周六）上班
    date(2026, 5, 9),                       # 5月9日（周六）上班
    date(2026, 9, 20), date(2026, 10, 10),  # 9月20日（周日）、10月10日（周六）上班
]

# A made-up 2027 notice, in python-holidays' own form, as its release after
# the notice would carry it: Monday 4 January off in exchange for Saturday
# 9 January. Only the tests of "the notice is out" use it.
MADE_UP_2027_NOTICE = ((JAN, 4, JAN, 9),)


def without_2027(monkeypatch) -> None:
    """python-holidays without the State Council's notice for 2027."""
    monkeypatch.delitem(ChinaStaticHolidays.special_public_holidays, 2027, raising=False)
    forget()


def publish_2027(monkeypatch) -> None:
    """python-holidays carrying MADE_UP_2027_NOTICE, as its next release would."""
    monkeypatch.setitem(ChinaStaticHolidays.special_public_holidays, 2027, MADE_UP_2027_NOTICE)
    forget()
