"""What the API accepts and answers, as typed schemas: pydantic validates every request before
a view sees it, and the OpenAPI schema at /api/openapi.json is generated from these."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

from incidents.models import Deployment, Severity, Status
from learning.views import PERIODS

# Nothing Debrief records happened before 2000 (incidents/times.py); a year past 9000 is a
# typing mistake too, and near the calendar's ends a moment cannot change time zone.
EARLIEST_YEAR, LATEST_YEAR = 2000, 9000


def _plausible(moment: datetime) -> datetime:
    """A moment in a plausible year, in UTC: PostgreSQL refuses offsets beyond ±15:59, which
    ISO 8601 (and Python) allow."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "implausible_year", f"Must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
        )
    return moment.astimezone(UTC)


def _storable(text: str) -> str:
    # PostgreSQL cannot store NUL characters, and no database half a UTF-16 surrogate pair.
    if "\x00" in text:
        raise PydanticCustomError("nul_character", "Must not contain NUL characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_unicode", "Must be valid Unicode text.") from None
    return text


def _not_blank(text: str) -> str:
    if not text.strip():
        raise PydanticCustomError("blank", "Must not be blank.")
    return text


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]
Text = Annotated[str, AfterValidator(_storable)]
Line = Annotated[Text, AfterValidator(_not_blank)]
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]
# What Django's username validator accepts.
Username = Annotated[str, Field(pattern=r"^[\w.@+-]+$", max_length=150)]
SeverityNumber = Annotated[int, Field(ge=Severity.SEV1, le=Severity.SEV4)]
StatusName = Literal[tuple(Status.values)]
OutcomeName = Literal[tuple(Deployment.Outcome.values)]
# Large enough for any real id; larger numbers do not fit the databases' integer columns.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Message(Schema):
    detail: str


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrors(Schema):
    detail: list[ErrorItem]


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(25, ge=1, le=100)


# Incidents ----------------------------------------------------------------------------------


class IncidentFilters(PageQuery):
    status: Literal[tuple([*Status.values, "open"])] | None = Field(
        None, description="A status, or `open` for every unresolved incident."
    )
    severity: SeverityNumber | None = None
    service: Slug | None = Field(None, description="A service's slug.")
    updated_since: Moment | None = Field(
        None, description="Only incidents changed at or after this moment (with its offset)."
    )


class TimelineEventOut(Schema):
    kind: str
    body: str
    old_value: str
    new_value: str
    author: str
    occurred_at: datetime


class IncidentOut(Schema):
    id: int
    reference: str
    url: str
    title: str
    summary: str
    customer_impact: str
    severity: int
    severity_label: str
    status: str
    team: str
    services: list[str]
    commander: str | None
    reporter: str
    is_drill: bool
    is_private: bool
    started_at: datetime
    detected_at: datetime | None
    acknowledged_at: datetime | None
    restored_at: datetime | None
    resolved_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class IncidentDetailOut(IncidentOut):
    timeline: list[TimelineEventOut]


class IncidentPage(Schema):
    count: int
    page: int
    pages: int
    items: list[IncidentOut]


class IncidentIn(Schema):
    title: Annotated[Line, Field(max_length=200)]
    severity: SeverityNumber
    services: list[Slug] = Field(..., min_length=1, max_length=50)
    summary: Annotated[Text, Field(max_length=20_000)] = ""
    customer_impact: Annotated[Text, Field(max_length=20_000)] = ""
    commander: Username | None = Field(None, description="The commander's username.")
    started_at: Moment | None = Field(None, description="When impact started; now if left out.")
    detected_at: Moment | None = Field(None, description="When it was noticed; now if left out.")
    is_drill: bool = False
    is_private: bool = Field(
        False,
        description="Seen only by its responders, organisation admins and tokens made by one.",
    )


class IncidentChangesIn(Schema):
    """Only the details sent are changed. `status`, `severity` and `restored_at` go through
    the incident's lifecycle (and its timeline); `note` is logged with those changes."""

    title: Annotated[Line, Field(max_length=200)] = None
    summary: Annotated[Text, Field(max_length=20_000)] = None
    customer_impact: Annotated[Text, Field(max_length=20_000)] = None
    services: list[Slug] = Field(None, min_length=1, max_length=50)
    commander: Username | None = Field(None, description="A username, or null for none.")
    severity: SeverityNumber = None
    status: StatusName = None
    restored_at: Moment = Field(None, description="When service was restored (mitigated).")
    resolved_at: Moment = Field(
        None,
        description="Resolve the incident at this moment; on a resolved incident, correct it.",
    )
    is_private: bool = None
    note: Annotated[Text, Field(max_length=5_000)] = ""


class EventIn(Schema):
    body: Annotated[Line, Field(max_length=20_000)]
    occurred_at: Moment | None = Field(None, description="When it happened; now if left out.")


# Deployments --------------------------------------------------------------------------------


class CommitIn(Schema):
    sha: Annotated[Text, Field(min_length=4, max_length=64, pattern=r"^[0-9a-fA-F]+$")]
    committed_at: Moment | None = None


class DeploymentIn(Schema):
    service: Slug
    version: Annotated[Line, Field(max_length=200)]
    environment: Annotated[Line, Field(max_length=50)] = "production"
    deployed_at: Moment | None = Field(None, description="Now if left out.")
    outcome: OutcomeName = Deployment.Outcome.SUCCEEDED.value
    commits: list[CommitIn] = Field(default_factory=list, max_length=1_000)
    external_id: Annotated[Text, Field(max_length=200)] = Field(
        "",
        description="Your system's id for this deployment: sending it again returns the "
        "deployment recorded first. An id already used outside your team is refused (409).",
    )


class CommitOut(Schema):
    sha: str
    committed_at: datetime | None


class DeploymentOut(Schema):
    id: int
    service: str
    environment: str
    version: str
    outcome: str
    deployed_at: datetime
    first_commit_at: datetime | None
    lead_time_seconds: float | None
    external_id: str
    source: str
    commits: list[CommitOut]


class DeploymentPage(Schema):
    count: int
    page: int
    pages: int
    items: list[DeploymentOut]


class DeploymentFilters(PageQuery):
    service: Slug | None = None
    environment: Annotated[Text, Field(max_length=50)] | None = None


# Metrics ------------------------------------------------------------------------------------


class FigureOut(Schema):
    """A number with the previous period's for comparison; durations are in seconds."""

    value: float | None
    previous: float | None
    count: int
    unit: str
    bucket: str | None


class PeriodOut(Schema):
    name: str
    start: str
    end: str


PeriodName = Literal[tuple(PERIODS)]


class FourKeysOut(Schema):
    team: str
    period: PeriodOut
    deployment_frequency_per_day: FigureOut
    deployment_frequency_per_week: FigureOut
    deployment_frequency_per_month: FigureOut
    lead_time_for_changes_median: FigureOut
    lead_time_for_changes_p90: FigureOut
    change_failure_rate: FigureOut
    time_to_restore_median: FigureOut
    time_to_restore_p90: FigureOut
    incidents_not_restored: int
    failed_deployment_recovery_time_median: FigureOut
    rework_rate: FigureOut
