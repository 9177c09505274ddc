"""to_char of dates and timestamps: formatting.c's DCH patterns (numformat.py does numbers).

``to_char(d, fmt, year)`` takes a datetime in the zone it is shown in and its true year (a BC
or after-9999 value arrives with a stand-in year, types.far_read): the year fields print that
year, every other field is the stand-in's, whose calendar is the same. FM drops padding and
leading zeros, TH / th add an ordinal suffix; SP and TM are accepted and ignored.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
# Longest first, as formatting.c's keyword table is searched
_KEYWORDS = sorted([
    "A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "Day", "Dy",
    "D", "FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "HH24", "HH12", "HH", "IDDD", "ID", "IW",
    "IYYY", "IYY", "IY", "I", "J", "MI", "MM", "MONTH", "MON", "MS", "Month", "Mon", "OF",
    "P.M.", "PM", "Q", "RM", "SSSSS", "SSSS", "SS", "TZH", "TZM", "TZ", "US", "WW", "W",
    "Y,YYY", "YYYY", "YYY", "YY", "Y", "a.d.", "a.m.", "ad", "am", "b.c.", "bc", "cc", "day",
    "ddd", "dd", "dy", "d", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "hh24", "hh12", "hh",
    "iddd", "id", "iw", "iyyy", "iyy", "iy", "i", "j", "mi", "mm", "month", "mon", "ms", "of",
    "p.m.", "pm", "q", "rm", "sssss", "ssss", "ss", "tz", "tzh", "tzm", "us", "ww", "w",
    "y,yyy", "yyyy", "yyy", "yy", "y",
], key=len, reverse=True)


def _ordinal(n: int, upper: bool) -> str:
    n = abs(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return suffix.upper() if upper else suffix


def _cased(word: str, pattern: str) -> str:
    """A name as its pattern is written: MONTH upper, Month capitalised, month lower."""
    if pattern.isupper():
        return word.upper()
    if pattern[0].isupper():
        return word.capitalize()
    return word.lower()


def _offset(d: dt.datetime) -> int:
    off = d.utcoffset()
    return int(off.total_seconds()) if off else 0


def to_char(d: dt.datetime, fmt: str, year: int | None = None) -> str:
    """``d`` formatted by the pattern ``fmt``; ``year``: its true year (astronomical)."""
    y = d.year if year is None else year
    shown_year = y if y > 0 else 1 - y  # BC years count from 1 BC
    iso_year, iso_week, iso_day = d.isocalendar()
    iso_year += y - d.year
    doy = d.timetuple().tm_yday
    dow = (d.weekday() + 1) % 7
    out: list[str] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == '"':  # quoted text, backslash escaping a quote
            j = i + 1
            while j < len(fmt) and fmt[j] != '"':
                if fmt[j] == "\\" and j + 1 < len(fmt):
                    j += 1
                out.append(fmt[j])
                j += 1
            i = j + 1
            continue
        if fmt[i] == "\\" and i + 1 < len(fmt) and fmt[i + 1] == '"':
            out.append('"')
            i += 2
            continue
        fill = False
        while fmt.startswith(("FM", "fm", "TM", "tm", "FX", "fx"), i):
            fill = fill or (fmt[i] in "Ff" and fmt[i + 1] in "Mm")
            i += 2
        key = next((k for k in _KEYWORDS if fmt.startswith(k, i)), None)
        if key is None:
            out.append(fmt[i])
            i += 1
            continue
        i += len(key)
        th = None
        if fmt.startswith(("TH", "th"), i):
            th = fmt[i:i + 2]
            i += 2
        if fmt.startswith(("SP", "sp"), i):
            i += 2
        text, number = _field(key, d, y, shown_year, iso_year, iso_week, iso_day, doy, dow, fill)
        if th is not None and number is not None:
            text += _ordinal(number, th == "TH")
        out.append(text)
    return "".join(out)


def _num(value: int, width: int, fill: bool) -> tuple[str, int]:
    if fill:
        return str(value), value
    sign = "-" if value < 0 else ""
    return sign + str(abs(value)).zfill(width), value


def _field(key: str, d: dt.datetime, y: int, shown_year: int, iso_year: int, iso_week: int,
           iso_day: int, doy: int, dow: int, fill: bool) -> tuple[str, int | None]:
    k = key.upper()
    hour12 = d.hour % 12 or 12
    if k in ("HH", "HH12"):
        return _num(hour12, 2, fill)
    if k == "HH24":
        return _num(d.hour, 2, fill)
    if k == "MI":
        return _num(d.minute, 2, fill)
    if k == "SS":
        return _num(d.second, 2, fill)
    if k == "MS":
        return _num(d.microsecond // 1000, 3, fill)
    if k == "US":
        return _num(d.microsecond, 6, fill)
    if k.startswith("FF"):
        n = int(k[2])
        return _num(d.microsecond // 10 ** (6 - n), n, fill)
    if k in ("SSSS", "SSSSS"):
        secs = d.hour * 3600 + d.minute * 60 + d.second
        return str(secs), secs
    if k in ("AM", "PM", "A.M.", "P.M."):
        word = "AM" if d.hour < 12 else "PM"
        if "." in k:
            word = word[0] + "." + word[1] + "."
        return (word if key[0].isupper() else word.lower()), None
    if k in ("AD", "BC", "A.D.", "B.C."):
        word = "AD" if y > 0 else "BC"
        if "." in k:
            word = word[0] + "." + word[1] + "."
        return (word if key[0].isupper() else word.lower()), None
    if k == "Y,YYY":
        text = f"{shown_year // 1000},{shown_year % 1000:03d}"
        return text, shown_year
    if k == "YYYY":
        return _num(shown_year, 4, fill)
    if k in ("YYY", "YY", "Y"):
        n = len(k)
        return _num(shown_year % 10 ** n, n, fill)
    if k == "IYYY":
        return _num(iso_year if iso_year > 0 else 1 - iso_year, 4, fill)
    if k in ("IYY", "IY", "I"):
        n = len(k)
        return _num(abs(iso_year) % 10 ** n, n, fill)
    if k == "CC":
        cc = (y + 99) // 100 if y > 0 else -((99 - (y - 1)) // 100)
        return _num(cc, 2, fill)
    if k == "Q":
        q = (d.month - 1) // 3 + 1
        return str(q), q
    if k == "MM":
        return _num(d.month, 2, fill)
    if k == "MONTH":
        name = _cased(_MONTHS[d.month - 1], key)
        return (name if fill else name.ljust(9)), None
    if k == "MON":
        return _cased(_MONTHS[d.month - 1][:3], key), None
    if k == "RM":
        roman = _ROMAN[d.month - 1]
        roman = roman if key[0].isupper() else roman.lower()
        return (roman if fill else roman.ljust(4)), None
    if k == "DAY":
        name = _cased(_DAYS[dow], key)
        return (name if fill else name.ljust(9)), None
    if k == "DY":
        return _cased(_DAYS[dow][:3], key), None
    if k == "DDD":
        return _num(doy, 3, fill)
    if k == "IDDD":
        iddd = (iso_week - 1) * 7 + iso_day
        return _num(iddd, 3, fill)
    if k == "DD":
        return _num(d.day, 2, fill)
    if k == "D":
        return str(dow + 1), dow + 1
    if k == "ID":
        return str(iso_day), iso_day
    if k == "WW":
        return _num((doy - 1) // 7 + 1, 2, fill)
    if k == "W":
        w = (d.day - 1) // 7 + 1
        return str(w), w
    if k == "IW":
        return _num(iso_week, 2, fill)
    if k == "J":
        j = d.toordinal() + 1721425 - (d.year - y) // 400 * 146097
        return str(j), j
    off = _offset(d)
    sign = "-" if off < 0 else "+"
    hours, minutes = divmod(abs(off) // 60, 60)
    if k == "TZH":
        return f"{sign}{hours:02d}", None
    if k == "TZM":
        return f"{minutes:02d}", None
    if k == "OF":
        return f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else ""), None
    # TZ: the zone's abbreviation, or its offset when it has none
    name = d.tzname() or ""
    if not re.fullmatch(r"[A-Za-z]+", name):
        name = f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")
    return (name if key[0].isupper() else name.lower()), None
