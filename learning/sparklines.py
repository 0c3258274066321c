"""The four keys as sparklines for a team's own page: each key's last twelve weeks, drawn by
the learning pages' one sparkline (learning.charts) from the same weekly figures (and cache)
as the team's learning page."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString

from incidents.models import Team

from . import export
from .charts import sparkline
from .export import Series
from .metrics import Scope
from .periods import Period

# (name, column of learning.export.four_keys_weekly, how a weekly value reads)
KEYS = [
    ("Deployment frequency", 2, "deployments"),
    ("Lead time for changes", 3, "hours, median"),
    ("Change failure rate", 4, "share"),
    ("Time to restore", 5, "hours, median"),
]


@dataclass(frozen=True)
class KeySparkline:
    name: str
    unit: str
    values: list
    svg: SafeString

    @property
    def latest(self):
        """The most recent week that has a value, or None."""
        return next((value for value in reversed(self.values) if value is not None), None)


def four_key_sparklines(*, team: Team) -> tuple[list[KeySparkline], Series]:
    """The team's four keys per week over the last twelve weeks (the weeks of the team
    learning page's default period), each as a sparkline, and the weekly table they draw."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    weekly = export.four_keys_weekly(
        scope=Scope(team=team), end=Period.last_30_days(today=today).end
    )
    lines = []
    for name, column, unit in KEYS:
        values = weekly.column(column)
        label = f"{team.name}: {name.lower()} per week over the last {len(values)} weeks"
        lines.append(KeySparkline(name, unit, values, sparkline(values, label=label)))
    return lines, weekly
