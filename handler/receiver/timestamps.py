"""RFC 3339 timestamps as Twitch sends them: 0 to 9 fractional digits, trailing zeros trimmed.

`datetime.strptime('%f')` accepts at most 6 digits and `fromisoformat` only some forms, so a
nanosecond timestamp crashes naive code. Parsed here by hand into integer nanoseconds.
"""

from __future__ import annotations

import calendar
import re
import time

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\Z",
    re.ASCII,
)
NS = 1_000_000_000


def parse_ns(value: str) -> int:
    """Nanoseconds since the epoch (UTC); ValueError if `value` is not an RFC 3339 date-time."""
    m = _RFC3339.match(value or "")
    if not m:
        raise ValueError("not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError("no such date")
    if hour > 23 or minute > 59 or second > 60:  # 60: a leap second, allowed by RFC 3339
        raise ValueError("no such time")
    fraction = int((m.group(7) or "").ljust(9, "0"))
    offset = 0
    if m.group(9):
        off_h, off_m = int(m.group(10)), int(m.group(11))
        if off_h > 23 or off_m > 59:
            raise ValueError("no such offset")
        offset = (off_h * 60 + off_m) * 60 * (1 if m.group(9) == "+" else -1)
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    return seconds * NS + fraction


def format_ns(ns: int) -> str:
    """Fixed-width UTC form, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: sorts as text in time order."""
    seconds, fraction = divmod(ns, NS)
    t = time.gmtime(seconds)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{fraction:09d}Z"
