"""Report periods: half-open date ranges [start, end) in the library's time zone, plus `as_of`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from toolshare_core.errors import ValidationFailed

PRESETS = ("this_month", "last_30_days", "this_year", "last_year", "custom")
PRESET_LABELS = {
    "this_month": "This month",
    "last_30_days": "Last 30 days",
    "this_year": "This year",
    "last_year": "Last year",
    "custom": "Custom",
}


@dataclass(frozen=True)
class Period:
    """The days [start, end) described as they stood at `as_of` (spec/METRICS.md, 'Periods').

    `as_of` is timezone-aware. Days after as_of's local date are cut from the period when
    metrics are computed (a report never counts the future): see `effective_end`.
    """

    start: date
    end: date
    as_of: datetime
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationFailed(
                f"the period ends ({self.end}) on or before it starts ({self.start}); "
                "'to' is exclusive and must be after 'from'"
            )
        if self.as_of.tzinfo is None:
            raise ValidationFailed("as_of needs a time zone")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def as_of_date(self) -> date:
        """as_of's calendar day in the library's time zone."""
        return self.as_of.astimezone(self.tz).date()

    @property
    def effective_end(self) -> date:
        """min(end, as_of's date + 1): the exclusive end of the days actually counted."""
        return min(self.end, self.as_of_date + timedelta(days=1))

    @property
    def days(self) -> int:
        return max(0, (self.effective_end - self.start).days)

    def previous(self) -> Period:
        """The period of the same length just before this one, seen from its own end."""
        length = self.end - self.start
        start = self.start - length
        as_of = min(self.as_of, local_midnight(self.start, self.timezone))
        return Period(start=start, end=self.start, as_of=as_of, timezone=self.timezone)

    def label(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()} to {last.isoformat()} (inclusive)"


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def preset_period(name: str, *, as_of: datetime, timezone: str = "UTC") -> Period:
    """One of the dashboard's presets, relative to `as_of`'s local day."""
    today = as_of.astimezone(ZoneInfo(timezone)).date()
    if name == "this_month":
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    elif name == "last_30_days":
        start, end = today - timedelta(days=29), today + timedelta(days=1)
    elif name == "this_year":
        start, end = date(today.year, 1, 1), date(today.year + 1, 1, 1)
    elif name == "last_year":
        start, end = date(today.year - 1, 1, 1), date(today.year, 1, 1)
    else:
        raise ValidationFailed(f"unknown period preset {name!r}; choose one of {', '.join(PRESETS[:-1])}")
    return Period(start=start, end=end, as_of=as_of, timezone=timezone)


def parse_date(text: str, *, what: str) -> date:
    """A YYYY-MM-DD date, or ValidationFailed naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationFailed(f"{what} {text!r} is not a date like 2025-01-31") from exc


def parse_as_of(text: str | None, *, timezone: str) -> datetime:
    """A timestamp (naive ones are in the library's time zone), a date (its end), or now."""
    tz = ZoneInfo(timezone)
    if text is None or not text.strip():
        return datetime.now(tz)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationFailed(
            f"--as-of {text!r} is not a timestamp like 2025-01-31T18:00 or 2025-01-31"
        ) from exc
    if len(text.strip()) == 10:  # a bare date means the end of that day
        moment = datetime.combine(moment.date(), time(23, 59, 59))
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
