"""Date and time formats the two sites print (all locale-independent)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
WIB = timezone(timedelta(hours=7))
DAY = 24 * 60

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS_AP = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def kyodo_attr(moment: datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%dT%H:%M")


def kyodo_date(moment: datetime) -> str:
    local = moment.astimezone(JST)
    return f"{MONTHS[local.month - 1]} {local.day:02d}, {local.year}"


def kyodo_header_time(moment: datetime) -> str:
    return f"- {kyodo_date(moment)} - {moment.astimezone(JST):%H:%M}"


def kyodo_relative(moment: datetime, now: datetime) -> str:
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 60:
        return "1 minute ago" if minutes <= 1 else f"{minutes} minutes ago"
    if minutes < DAY:
        hours = minutes // 60
        return "1 hour ago" if hours == 1 else f"{hours} hours ago"
    return kyodo_date(moment)


def ap_date(moment: datetime) -> str:
    local = moment.astimezone(JST)
    return f"{MONTHS_AP[local.month - 1]} {local.day}, {local.year}"


def ina_dateline(moment: datetime, indonesian: bool) -> str:
    local = moment.astimezone(WIB)
    day = (HARI if indonesian else WEEKDAYS)[local.weekday()]
    hour = local.hour % 12 or 12
    return f"{day}, {local:%d-%m-%Y} | {hour:02d}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def ina_long_date(moment: datetime) -> str:
    local = moment.astimezone(WIB)
    return f"{local.day} {BULAN[local.month - 1]} {local.year} {local:%H:%M} WIB"
