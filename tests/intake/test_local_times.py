"""Times are shown in the organisation's zone: a deadline stored in UTC reads
as the handler's wall clock, the same digits in Chinese and English."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from flask_babel import force_locale

from intake.i18n import localtime

LATE_EVENING_UTC = datetime(2026, 12, 31, 16, 5, tzinfo=timezone.utc)  # 1 January, 00:05 in Shanghai


@pytest.mark.parametrize("language", ["en", "zh_Hans_CN"])
def test_a_utc_time_reads_as_the_organisations_wall_clock(app, language):
    with app.test_request_context("/"), force_locale(language):
        assert localtime(LATE_EVENING_UTC) == "2027-01-01 00:05"
        assert localtime(LATE_EVENING_UTC, "HH:mm") == "00:05"
        assert localtime(LATE_EVENING_UTC, "yyyy-MM-dd", tz="Europe/London") == "2026-12-31"
        # Any other pattern is Babel's, in the reader's language.
        shanghai = LATE_EVENING_UTC.astimezone(ZoneInfo("Asia/Shanghai"))
        assert localtime(LATE_EVENING_UTC, "MMMM d") == format_datetime(shanghai, "MMMM d", locale=language)
