"""The learning pages: how a team is doing, how the organisation is doing, what the metrics
mean, and a search through what was learned. Every page is the same URL for its htmx
fragment, and works without JavaScript."""

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from debrief.http import render_page_or_fragment, wants_fragment
from debrief.markdown import render_markdown
from debrief.permissions import can_view_learning
from debrief.widgets import OptionsSelect, offer_rows
from followups.statistics import completion_statistics
from incidents.models import Incident, Service, Severity, Team
from postmortems.models import FactorCategory

from . import export, review
from .cache import cached
from .charts import bar_chart, sparkline
from .export import Filters, Series
from .metrics import Figure, FourKeys
from .periods import Period
from .search import search_learnings

# Fewer samples than this and a figure says it is easily moved by one event.
SMALL_SAMPLE = 10
SEARCH_PAGE_SIZE = 20
# The header's search box (base.html) shows this many as you type, then links to the page.
QUICK_RESULTS = 8
QUICK_TARGET = "global-search-results"

PERIODS = {
    "last-30-days": "Last 30 days",
    "last-90-days": "Last 90 days",
    "this-quarter": "This quarter",
    "last-quarter": "Last quarter",
}


def period_named(name: str) -> Period:
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    if name == "last-90-days":
        return Period.last_90_days(today=today)
    if name == "this-quarter":
        return Period.quarter_of(today)
    if name == "last-quarter":
        return Period.quarter_of(today).previous()
    return Period.last_30_days(today=today)


def _organisation_choice(queryset) -> forms.ModelChoiceField:
    """A filter over every team or service of the organisation, by slug: a select that writes
    its thousand options itself (with OrganisationChoices)."""
    return forms.ModelChoiceField(
        queryset, to_field_name="slug", required=False, empty_label="All", widget=OptionsSelect
    )


class OrganisationChoices:
    """Offers the team and service filters as rows, without a model instance per option."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("team", "service"):
            if name in self.fields:
                offer_rows(self.fields[name], "name")


class LearningFilterForm(OrganisationChoices, forms.Form):
    period = forms.ChoiceField(choices=PERIODS.items(), required=False)
    team = _organisation_choice(Team.objects.order_by("name"))
    service = _organisation_choice(Service.objects.order_by("name"))

    def filters(self, *, team: Team | None = None) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            period=period_named(data.get("period") or ""),
            team=team or data.get("team"),
            service=None if team else data.get("service"),
        )


class TeamPeriodForm(LearningFilterForm):
    """The team page chooses only the period."""

    team = None
    service = None


@dataclass(frozen=True)
class Headline:
    name: str
    figure: Figure
    sparkline: SafeString
    weekly: list
    # The 90th percentile under a median, when the metric has one.
    p90: Figure | None = None

    @property
    def small_sample(self) -> bool:
        return self.figure.count < SMALL_SAMPLE


@dataclass(frozen=True)
class Chart:
    series: Series
    svg: SafeString


def _headlines(filters: Filters) -> tuple[list[Headline], FourKeys, Series]:
    keys = export.cached_four_keys(scope=filters.scope, period=filters.period)
    weekly = export.four_keys_weekly(scope=filters.scope, end=filters.period.end)
    figures = [
        ("Deployment frequency", keys.deployment_frequency.per_week, 2, None),
        (
            "Lead time for changes",
            keys.lead_time_for_changes.median,
            3,
            keys.lead_time_for_changes.p90,
        ),
        ("Change failure rate", keys.change_failure_rate, 4, None),
        ("Time to restore", keys.time_to_restore.median, 5, keys.time_to_restore.p90),
        ("Rework rate", keys.rework_rate, 6, None),
    ]
    headlines = []
    for name, figure, column, p90 in figures:
        values = weekly.column(column)
        label = f"{name}, per week over the last {len(values)} weeks"
        headlines.append(Headline(name, figure, sparkline(values, label=label), values, p90))
    return headlines, keys, weekly


def _trend_charts(filters: Filters) -> dict[str, Chart]:
    incidents = export.incidents_per_week(filters)
    restore = export.restore_distribution(filters)
    factors = export.factor_categories(filters)
    restore_totals = [
        (name, sum(row[index] for row in restore.rows))
        for index, name in enumerate(restore.header[1:-1], start=1)
    ]
    factor_totals = [
        (name, sum(row[index] for row in factors.rows))
        for index, name in enumerate(factors.header[1:], start=1)
    ]
    blameful = export.blameful_wording(filters)
    return {
        "blameful": Chart(
            blameful,
            bar_chart(
                [(row[0][:7], row[2]) for row in blameful.rows],
                label="Average blameful-wording flags left at publication, per month",
            ),
        ),
        "incidents": Chart(
            incidents,
            bar_chart(
                [(row[0][5:], row[-1]) for row in incidents.rows], label="Incidents per week"
            ),
        ),
        "restore": Chart(restore, bar_chart(restore_totals, label="Incidents by time to restore")),
        "factors": Chart(
            factors, bar_chart(factor_totals, label="Contributing factors by category")
        ),
    }


def team_learning(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    if not can_view_learning(request.user):
        raise PermissionDenied
    form = TeamPeriodForm(request.GET or None)
    filters = form.filters(team=team)
    headlines, keys, weekly = _headlines(filters)
    context = {
        "team": team,
        "form": form,
        "filters": filters,
        "query": _query(filters),
        "headlines": headlines,
        "keys": keys,
        "weekly": weekly,
        "charts": _trend_charts(filters),
        "recurring": export.recurring_factors(filters, request.user),
        "health": export.postmortem_health(filters),
        "completion": export.followup_completion(filters),
        # Open now, whenever they were created.
        "open_followups": completion_statistics(team=team).open_count,
        # A new team sees what to do first rather than a page of zeros.
        "nothing_yet": not Incident.objects.filter(team=team, deleted_at__isnull=True).exists(),
    }
    return render_page_or_fragment(request, "learning/team.html", "results", context)


def organisation_learning(request):
    if not can_view_learning(request.user):
        raise PermissionDenied
    form = LearningFilterForm(request.GET or None)
    filters = form.filters()
    headlines, keys, weekly = _headlines(filters)
    team_trends = export.team_trends(filters)
    context = {
        "form": form,
        "filters": filters,
        "query": _query(filters),
        "headlines": headlines,
        "keys": keys,
        "weekly": weekly,
        "charts": _trend_charts(filters),
        "health": export.postmortem_health(filters),
        "team_trends": team_trends,
        "nothing_yet": not Incident.objects.filter(deleted_at__isnull=True).exists(),
        # Three charts for each of the organisation's teams: drawn once per cached team trends.
        "team_multiples": cached(
            "team-multiples",
            filters.cache_parts,
            lambda: render_to_string(
                "learning/_team_multiples.html", {"team_multiples": _team_multiples(team_trends)}
            ),
        ),
    }
    return render_page_or_fragment(request, "learning/organisation.html", "results", context)


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class ReviewForm(forms.Form):
    quarter = forms.CharField(required=False)
    team = forms.ModelChoiceField(
        Team.objects.order_by("name"), to_field_name="slug", required=False, empty_label="All"
    )


def _review_request(request) -> tuple[review.QuarterlyReview | None, ReviewForm, str]:
    """The review the GET parameters ask for, or None and why not (a bad request)."""
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    form = ReviewForm(request.GET)
    if not form.is_valid():
        return None, form, "Unknown team."
    text = form.cleaned_data["quarter"]
    try:
        period = review.parse_quarter(text) if text else Period.quarter_of(today)
    except review.InvalidQuarter as error:
        return None, form, str(error)
    team = form.cleaned_data["team"]
    if not can_view_learning(request.user):
        raise PermissionDenied
    return review.quarterly_review(period, team, request.user), form, ""


def quarterly_review(request):
    data, form, problem = _review_request(request)
    if data is None:
        return _bad_request(problem)
    today = timezone.localdate(timezone=timezone.get_default_timezone())
    quarters = [review.quarter_name(period) for period in review.recent_quarters(today)]
    if data.quarter not in quarters:
        quarters.append(data.quarter)
    context = {
        "review": data,
        "quarters": quarters,
        "teams": form.fields["team"].queryset,
        "query": urlencode({"quarter": data.quarter, "team": data.team.slug if data.team else ""}),
    }
    return render(request, "learning/review.html", context)


def quarterly_review_markdown(request):
    data, _, problem = _review_request(request)
    if data is None:
        return _bad_request(problem)
    response = HttpResponse(
        review.review_markdown(data, base_url=request.build_absolute_uri("/")[:-1]),
        content_type="text/markdown; charset=utf-8",
    )
    scope = data.team.slug if data.team else "organisation"
    filename = f"learning-review-{scope}-{data.quarter}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _team_multiples(series: Series) -> list[dict]:
    """For each team, its current period beside its previous one; never a ranking."""
    multiples = []
    for row in series.rows:
        name = row[0]
        charts = [
            (
                title,
                bar_chart([("Previous", before), ("Current", now)], label=f"{name}: {title}"),
                before,
                now,
            )
            for title, now, before in (
                ("Deployments per week", row[1], row[2]),
                ("Change failure rate", row[3], row[4]),
                ("Incidents", row[5], row[6]),
            )
        ]
        multiples.append({"team": name, "row": row, "charts": charts})
    return multiples


def _query(filters: Filters) -> str:
    return urlencode(
        {
            "team": filters.team.slug if filters.team else "",
            "service": filters.service.slug if filters.service else "",
            "period": _period_name(filters.period),
        }
    )


def _period_name(period: Period) -> str:
    for name in PERIODS:
        if period_named(name) == period:
            return name
    return ""


def export_csv(request):
    form = LearningFilterForm(request.GET or None)
    filters = form.filters()
    name = request.GET.get("series", "")
    if name not in export.SERIES:
        return HttpResponse(
            f"Unknown series. Choose one of: {', '.join(export.SERIES)}.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if not can_view_learning(request.user):
        raise PermissionDenied
    if name == "recurring-factors":
        series = export.recurring_factors(filters, request.user)
    else:
        series = export.SERIES[name](filters)
    response = HttpResponse(export.as_csv(series), content_type="text/csv; charset=utf-8")
    scope = (
        filters.service.slug if filters.service else filters.team.slug if filters.team else "all"
    )
    filename = (
        f"{name}-{scope}-{filters.period.start:%Y-%m-%d}-to-{filters.period.end:%Y-%m-%d}.csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@cache
def _definitions_html() -> SafeString:
    # Read once per process: the file ships with the code and changes only with it.
    return render_markdown((settings.BASE_DIR / "docs" / "metrics.md").read_text("utf-8"))


def definitions(request):
    return render(request, "learning/definitions.html", {"definitions": _definitions_html()})


class SearchForm(OrganisationChoices, forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    team = _organisation_choice(Team.objects.order_by("name"))
    service = _organisation_choice(Service.objects.order_by("name"))
    category = forms.ModelChoiceField(
        FactorCategory.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label="All",
        label="Factor category",
    )
    severity = forms.TypedChoiceField(
        choices=[("", "All"), *Severity.choices], coerce=int, required=False, empty_value=None
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    offset = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)


def search(request):
    """The search page, its results as a fragment, and the header box's results as you type
    (the `quick` partial, asked for by htmx with that box's results as the target)."""
    form = SearchForm(request.GET or None)
    quick = wants_fragment(request) and request.htmx.target == QUICK_TARGET
    page_size = QUICK_RESULTS if quick else SEARCH_PAGE_SIZE
    hits, has_next, offset, query = [], False, 0, ""
    if form.is_valid():
        data = form.cleaned_data
        offset = data.get("offset") or 0
        filters = {
            key: data[key]
            for key in ("team", "service", "category", "severity", "start", "end")
            if data.get(key) is not None
        }
        # One more than a page tells whether another page follows.
        hits = search_learnings(
            query=data["q"],
            viewer=request.user,
            filters=filters,
            limit=page_size + 1,
            offset=offset,
        )
        has_next = len(hits) > page_size
        hits = hits[:page_size]
        params = request.GET.copy()
        params.pop("offset", None)
        query = params.urlencode()
    context = {
        "form": form,
        "hits": hits,
        "has_next": has_next,
        "has_previous": offset > 0,
        "next_offset": offset + SEARCH_PAGE_SIZE,
        "previous_offset": max(offset - SEARCH_PAGE_SIZE, 0),
        "query": query,
        "searched": bool(form.is_bound and form.is_valid() and form.cleaned_data["q"]),
    }
    fragment = "quick" if quick else "results"
    return render_page_or_fragment(request, "learning/search.html", fragment, context)
