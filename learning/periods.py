"""Reporting periods: whole days in the configured time zone (TIME_ZONE), so that a week on a
dashboard starts at local midnight whatever time zone the database or the server runs in."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def start_of_day(day: date) -> datetime:
    """Local midnight at the start of `day`, in the configured time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included, in the configured time zone."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    def __str__(self):
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        """The first moment of the period; filter with `>=`."""
        return start_of_day(self.start)

    @property
    def end_before(self) -> datetime:
        """The first moment after the period; filter with `<`."""
        return start_of_day(self.end + timedelta(days=1))

    def contains(self, moment: datetime) -> bool:
        return self.start_at <= moment < self.end_before

    def previous(self) -> "Period":
        """The period just before this one: the previous quarter for a calendar quarter,
        otherwise as many days ending the day before this one starts."""
        if self.is_quarter:
            return Period.quarter_of(self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def weeks(self) -> list["Period"]:
        """The complete seven-day weeks of the period, counted back from its last day so the
        latest days are always in one, oldest first. The first `days % 7` days are in none."""
        count = self.days // 7
        return [
            Period(self.end - timedelta(days=7 * back + 6), self.end - timedelta(days=7 * back))
            for back in reversed(range(count))
        ]

    @property
    def is_quarter(self) -> bool:
        return self == Period.quarter_of(self.start)

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None) -> "Period":
        """The last `days` days, today included."""
        today = today or timezone.localdate(timezone=timezone.get_default_timezone())
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def last_7_days(cls, *, today: date | None = None) -> "Period":
        return cls.last_days(7, today=today)

    @classmethod
    def last_30_days(cls, *, today: date | None = None) -> "Period":
        return cls.last_days(30, today=today)

    @classmethod
    def last_90_days(cls, *, today: date | None = None) -> "Period":
        return cls.last_days(90, today=today)

    @classmethod
    def quarter(cls, year: int, number: int) -> "Period":
        """Calendar quarter `number` (1 to 4) of `year`."""
        if number not in (1, 2, 3, 4):
            raise ValueError("A year has quarters 1 to 4.")
        start = date(year, 3 * number - 2, 1)
        next_start = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
        return cls(start, next_start - timedelta(days=1))

    @classmethod
    def quarter_of(cls, day: date) -> "Period":
        """The calendar quarter `day` is in."""
        return cls.quarter(day.year, (day.month - 1) // 3 + 1)
