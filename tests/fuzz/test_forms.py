"""Every URL that takes a POST, fuzzed: whatever a browser, htmx or anyone else posts to it,
the answer is below 500, a refused post writes nothing, and an accepted one leaves only valid
rows behind.

ROUTES says how to reach each such URL in the `world` fixture and which page shows its form
(whose fields, options and hidden values seed the fuzz); EXCLUDED names the ones fuzzed
elsewhere. A new URL that accepts POST fails test_every_url_taking_a_post_is_fuzzed until it
is listed in one or the other."""

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from .checks import HYPOTHESIS, check_response, snapshot, watched, wrote
from .strategies import damaged, plausible, wild

# FUZZ_SCALE shrinks the examples for a second database's pass (.ci/run); never below two.
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
EXAMPLES = max(2, round(15 * SCALE))


@dataclass(frozen=True)
class Route:
    """How to fuzz one URL: its kwargs in the world, the page with its form (the URL itself
    when None), who posts, and how many examples (fewer for pages that read no body)."""

    kwargs: Callable = lambda w: {}
    page: Callable | None = None
    user: str | None = "alice"
    examples: int = EXAMPLES


READS_NO_BODY = max(2, round(4 * SCALE))


def _page(name, **kwargs):
    return lambda w: reverse(name, kwargs={k: v(w) for k, v in kwargs.items()})


def _incident(w):
    return {"pk": w.incident.pk}


def _postmortem(w):
    return {"pk": w.postmortem.pk}


def _section(attribute):
    return lambda w: {"pk": w.postmortem.pk, "key": getattr(w, attribute).section.key}


def _slug(w):
    return {"slug": w.payments.slug}


def _endpoint(w):
    return {"slug": w.payments.slug, "pk": w.endpoint.pk}


def _destination(w):
    return {"slug": w.payments.slug, "pk": w.destination.pk}


INCIDENT_PAGE = _page("incidents:detail", pk=lambda w: w.incident.pk)
OVERVIEW = _page("postmortems:detail", pk=lambda w: w.postmortem.pk)
TEXT_SECTION = _page(
    "postmortems:section", pk=lambda w: w.postmortem.pk, key=lambda w: w.text_section.section.key
)
FACTORS_SECTION = _page(
    "postmortems:section",
    pk=lambda w: w.postmortem.pk,
    key=lambda w: w.factors_section.section.key,
)
FOLLOWUPS_SECTION = _page(
    "postmortems:section",
    pk=lambda w: w.postmortem.pk,
    key=lambda w: w.followups_section.section.key,
)
ITEM_PAGE = _page("followups:detail", pk=lambda w: w.item.pk)
ENDPOINT_PAGE = _page(
    "webhooks:endpoint", slug=lambda w: w.payments.slug, pk=lambda w: w.endpoint.pk
)

ROUTES: dict[str, Route] = {
    "home": Route(page=lambda w: reverse("incidents:list"), examples=READS_NO_BODY),
    "login": Route(user=None),
    # Incidents
    "incidents:list": Route(examples=READS_NO_BODY),
    "incidents:declare": Route(),
    "incidents:detail": Route(_incident, examples=READS_NO_BODY),
    "incidents:edit": Route(_incident),
    "incidents:acknowledge": Route(_incident, INCIDENT_PAGE),
    "incidents:change-status": Route(_incident, INCIDENT_PAGE),
    "incidents:change-severity": Route(_incident, INCIDENT_PAGE),
    "incidents:mark-restored": Route(_incident, INCIDENT_PAGE),
    "incidents:add-note": Route(_incident, INCIDENT_PAGE),
    "incidents:reopen": Route(
        lambda w: {"pk": w.resolved.pk}, _page("incidents:detail", pk=lambda w: w.resolved.pk)
    ),
    "incidents:team-list": Route(examples=READS_NO_BODY),
    "incidents:team-detail": Route(_slug, examples=READS_NO_BODY),
    "incidents:service-list": Route(examples=READS_NO_BODY),
    "incidents:service-detail": Route(lambda w: {"slug": w.checkout.slug}, examples=READS_NO_BODY),
    "incidents:deployment-record": Route(
        page=lambda w: reverse("incidents:deployment-record") + "?service=checkout"
    ),
    # Postmortems
    "postmortems:start": Route(
        lambda w: {"incident_pk": w.fresh_incident.pk},
        _page("incidents:detail", pk=lambda w: w.fresh_incident.pk),
    ),
    "postmortems:detail": Route(_postmortem, examples=READS_NO_BODY),
    "postmortems:publish": Route(_postmortem, OVERVIEW),
    "postmortems:export": Route(_postmortem, OVERVIEW, examples=READS_NO_BODY),
    "postmortems:review-request": Route(_postmortem, OVERVIEW),
    "postmortems:review-approve": Route(_postmortem, OVERVIEW, user="carol"),
    "postmortems:review-withdraw": Route(
        lambda w: {"pk": w.postmortem.pk, "review_pk": w.review.pk}, OVERVIEW
    ),
    "postmortems:meeting-schedule": Route(_postmortem, OVERVIEW),
    "postmortems:meeting-ics": Route(
        lambda w: {"pk": w.postmortem.pk, "meeting_pk": w.meeting.pk},
        OVERVIEW,
        examples=READS_NO_BODY,
    ),
    "postmortems:comment-resolve": Route(
        lambda w: {"pk": w.postmortem.pk, "comment_pk": w.comment.pk}, TEXT_SECTION
    ),
    "postmortems:factor-add": Route(_postmortem, FACTORS_SECTION),
    "postmortems:factor-remove": Route(
        lambda w: {"pk": w.postmortem.pk, "factor_pk": w.factor.pk}, FACTORS_SECTION
    ),
    "postmortems:section": Route(_section("text_section")),
    "postmortems:section-preview": Route(_section("text_section"), TEXT_SECTION),
    "postmortems:comment-add": Route(_section("text_section"), TEXT_SECTION),
    "postmortems:section-history": Route(_section("text_section"), examples=READS_NO_BODY),
    "postmortems:revision-restore": Route(
        lambda w: {**_section("text_section")(w), "version": w.text_section.version},
        _page(
            "postmortems:section-history",
            pk=lambda w: w.postmortem.pk,
            key=lambda w: w.text_section.section.key,
        ),
    ),
    "postmortems:timeline-refresh": Route(
        _section("timeline_section"),
        _page(
            "postmortems:section",
            pk=lambda w: w.postmortem.pk,
            key=lambda w: w.timeline_section.section.key,
        ),
    ),
    # Postmortem templates
    "postmortem_templates:list": Route(examples=READS_NO_BODY),
    "postmortem_templates:create": Route(),
    "postmortem_templates:detail": Route(
        lambda w: {"slug": w.template.slug}, examples=READS_NO_BODY
    ),
    "postmortem_templates:clone": Route(
        lambda w: {"slug": "standard"},
        _page("postmortem_templates:detail", slug=lambda w: "standard"),
    ),
    "postmortem_templates:edit": Route(lambda w: {"slug": w.template.slug}),
    # Follow-ups
    "followups:board": Route(page=lambda w: reverse("followups:board")),
    "followups:team-board": Route(_slug),
    "followups:detail": Route(lambda w: {"pk": w.item.pk}, examples=READS_NO_BODY),
    "followups:edit": Route(lambda w: {"pk": w.item.pk}, ITEM_PAGE),
    "followups:change-status": Route(lambda w: {"pk": w.item.pk}, ITEM_PAGE),
    "followups:postmortem-items": Route(_postmortem, FOLLOWUPS_SECTION),
    "followups:postmortem-item-edit": Route(
        lambda w: {"pk": w.postmortem.pk, "item_pk": w.item.pk}, ITEM_PAGE
    ),
    "followups:postmortem-item-move": Route(
        lambda w: {"pk": w.postmortem.pk, "item_pk": w.item.pk}, FOLLOWUPS_SECTION
    ),
    "notification_settings:edit": Route(),
    # Learning
    "learning:organisation": Route(examples=READS_NO_BODY),
    "learning:export": Route(examples=READS_NO_BODY),
    "learning:review": Route(examples=READS_NO_BODY),
    "learning:review-markdown": Route(examples=READS_NO_BODY),
    "learning:definitions": Route(examples=READS_NO_BODY),
    "learning:team": Route(_slug, examples=READS_NO_BODY),
    "learning:search": Route(examples=READS_NO_BODY),
    # API tokens, inbound webhooks, notification destinations
    "integrations:team-tokens": Route(_slug),
    "integrations:token-revoke": Route(
        lambda w: {"slug": w.payments.slug, "pk": w.token.token.pk},
        _page("integrations:team-tokens", slug=lambda w: w.payments.slug),
    ),
    "webhooks:endpoints": Route(_slug),
    "webhooks:inbox": Route(_slug, examples=READS_NO_BODY),
    "webhooks:assign": Route(
        lambda w: {"slug": w.payments.slug, "pk": w.delivery.pk},
        _page("webhooks:inbox", slug=lambda w: w.payments.slug),
    ),
    "webhooks:dismiss": Route(
        lambda w: {"slug": w.payments.slug, "pk": w.delivery.pk},
        _page("webhooks:inbox", slug=lambda w: w.payments.slug),
    ),
    "webhooks:endpoint": Route(_endpoint, examples=READS_NO_BODY),
    "webhooks:rotate": Route(_endpoint, ENDPOINT_PAGE),
    "webhooks:secret": Route(_endpoint, ENDPOINT_PAGE),
    "webhooks:delete": Route(_endpoint, ENDPOINT_PAGE),
    "webhooks:route-add": Route(_endpoint, ENDPOINT_PAGE),
    "webhooks:route-delete": Route(
        lambda w: {**_endpoint(w), "route_pk": w.route.pk}, ENDPOINT_PAGE
    ),
    "outbound:destinations": Route(_slug),
    "outbound:edit": Route(_destination),
    "outbound:test": Route(_destination, _page("outbound:destinations", slug=lambda w: "payments")),
    "outbound:secret": Route(
        _destination, _page("outbound:destinations", slug=lambda w: "payments")
    ),
    "outbound:delete": Route(
        _destination, _page("outbound:destinations", slug=lambda w: "payments")
    ),
    # Roles, time zones, the bin
    "accounts:people": Route(user="dave", examples=READS_NO_BODY),
    "accounts:role": Route(
        lambda w: {"pk": w.bob.pk}, page=lambda w: reverse("accounts:people"), user="dave"
    ),
    "time-zone-settings": Route(page=lambda w: reverse("notification_settings:edit")),
    "incidents:responders": Route(_incident, INCIDENT_PAGE),
    "incidents:delete": Route(_incident, INCIDENT_PAGE, examples=READS_NO_BODY),
    "postmortems:delete": Route(_postmortem, OVERVIEW, examples=READS_NO_BODY),
    "followups:delete": Route(lambda w: {"pk": w.item.pk}, ITEM_PAGE, examples=READS_NO_BODY),
    # Restoring what is not in the bin: the admin is answered 404, and nothing changes.
    "bin:restore-incident": Route(
        _incident, page=lambda w: reverse("bin:list"), user="dave", examples=READS_NO_BODY
    ),
    "bin:restore-postmortem": Route(
        _postmortem, page=lambda w: reverse("bin:list"), user="dave", examples=READS_NO_BODY
    ),
    "bin:restore-followup": Route(
        lambda w: {"pk": w.item.pk},
        page=lambda w: reverse("bin:list"),
        user="dave",
        examples=READS_NO_BODY,
    ),
    # Culture
    "culture:invitations": Route(examples=READS_NO_BODY),
    "culture:answer": Route(lambda w: {"pk": w.invitation.pk}),
    "culture:organisation": Route(examples=READS_NO_BODY),
    "culture:survey-start": Route(page=lambda w: reverse("culture:organisation"), user="dave"),
    "culture:team": Route(_slug, examples=READS_NO_BODY),
}

EXCLUDED = {
    "logout": "takes no input, and would end the session the fuzz posts with",
    "webhooks:receive": "signed JSON from tools; tests/webhooks/test_properties.py fuzzes it",
}
# Whole namespaces fuzzed elsewhere or not ours.
EXCLUDED_NAMESPACES = {
    "admin": "Django's own admin, for staff; its forms are Django's ModelAdmin",
    "integrations:api": "JSON; tests/integrations/test_api_fuzz.py and tests/fuzz/test_api.py",
}


# The URL patterns ----------------------------------------------------------------------------


def _patterns(resolver=None, namespace=""):
    """(name, converters) of every named URL pattern, with its namespace."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, getattr(pattern.pattern, "converters", {})


def _excluded(name: str) -> bool:
    return name in EXCLUDED or any(name.startswith(f"{ns}:") for ns in EXCLUDED_NAMESPACES)


NOWHERE = {"IntConverter": 2_000_000_000, "SlugConverter": "no-such-slug"}


def _any_kwargs(converters) -> dict:
    kwargs = {}
    for name, converter in converters.items():
        kind = type(converter).__name__
        kwargs[name] = NOWHERE.get(kind, uuid.uuid4() if kind == "UUIDConverter" else "x")
    return kwargs


def test_every_url_taking_a_post_is_fuzzed(world):
    """A URL that answers a POST with anything but 405 is in ROUTES or EXCLUDED."""
    staff = Client()
    staff.force_login(world.dave)
    names = dict(_patterns())
    taking_posts = set()
    for name, converters in names.items():
        if _excluded(name):
            continue
        url = reverse(name, kwargs=_any_kwargs(converters))
        if staff.post(url).status_code != 405:
            taking_posts.add(name)
    assert not taking_posts - set(ROUTES), "Add these to ROUTES (or to EXCLUDED, saying why)"
    assert not set(ROUTES) - taking_posts, "These no longer take a POST (or are gone)"
    assert not set(EXCLUDED) - set(names)


# The fields a page offers ------------------------------------------------------------------


class _FormFields(HTMLParser):
    """Each form's target path, and for each field its input type and the values offered."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: dict[str, dict] = {}
        self.form_paths: dict[str, str] = {}
        self.current: str | None = None
        self.select: tuple[str, str] | None = None
        self.count = 0

    def _target(self, attrs) -> str | None:
        owner = attrs.get("form")
        return self.form_paths.get(owner) if owner else self.current

    def _add(self, path, name, kind, value=None):
        fields = self.forms.setdefault(path, {})
        _, values = fields.setdefault(name, (kind, set()))
        if value is not None:
            values.add(value)

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "option":
            if self.select is not None and "value" in attrs:
                self._add(*self.select, "select", attrs["value"])
            return
        if tag == "form":
            action = attrs.get("hx-post") or attrs.get("action") or self.page_path
            path = urlsplit(action).path or self.page_path
            self.count += 1
            self.form_paths[attrs.get("id") or f"form-{self.count}"] = path
            self.current = path
            self.forms.setdefault(path, {})
            return
        path = self._target(attrs)
        name = attrs.get("name")
        if path is None or not name or name == "csrfmiddlewaretoken":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "reset", "image"}:
                if "value" in attrs:
                    self._add(path, name, "choice", attrs["value"])
                return
            self._add(path, name, kind, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "button":
            self._add(path, name, "choice", attrs.get("value", ""))
        elif tag == "textarea":
            self._add(path, name, "textarea")
        elif tag == "select":
            self._add(path, name, "select")
            self.select = (path, name)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def fields_of(html: str, page_path: str, target_path: str) -> dict[str, tuple[str, list[str]]]:
    parser = _FormFields(page_path)
    parser.feed(html)
    fields = parser.forms.get(target_path, {})
    return {name: (kind, sorted(values)) for name, (kind, values) in fields.items()}


# Sending -------------------------------------------------------------------------------------

HEADERS = [
    {},
    {"HX-Request": "true"},
    {"HX-Request": "true", "HX-Target": "incident-live", "HX-Current-URL": "http://testserver/"},
    {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    {"HX-Request": "true", "X-Debrief-Editor": "1"},
    {"HX-Request": "true", "HX-Current-URL": "http://testserver/\u202e%00"},
]
# Fields no form shows, posted anyway.
STRAY = ["page", "id", "team", "status", "pk", "next"]


def _client(world, user: str | None) -> Client:
    client = Client()
    if user:
        client.force_login(getattr(world, user))
    return client


def _ids(world) -> list[str]:
    """Every seeded object's id and slug: the fuzz's ids of this and other teams' objects."""
    ids = {"0", "-1", "2147483648", "9223372036854775808"}
    for obj in world.objects.values():
        for attribute in ("pk", "slug", "key", "username"):
            if (value := getattr(obj, attribute, None)) is not None:
                ids.add(str(value))
    return sorted(ids)


def body(fields: dict, ids: list[str]):
    """A POST body as a list of (name, value) pairs: each field missing, once or repeated,
    plausible or wild, and now and then a field no form has."""
    wild_value = wild(ids)

    @st.composite
    def build(draw):
        chaos = draw(st.integers(min_value=0, max_value=4), label="chaos")
        pairs = []
        for name, (kind, offered) in fields.items():
            count = draw(st.sampled_from([1, 1, 1, 1, 1, 0, 2, 3]), label=f"{name} count")
            for _ in range(count):
                is_wild = draw(st.integers(min_value=1, max_value=4)) <= chaos
                if is_wild and kind == "hidden":
                    value = wild_value | damaged(offered)
                else:
                    value = wild_value if is_wild else plausible(kind, offered)
                pairs.append((name, draw(value, label=name)))
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            pairs.append((draw(st.sampled_from(STRAY)), draw(wild_value)))
        return pairs

    return build()


def send(client: Client, url: str, pairs, headers: dict, encoding: str):
    if encoding == "urlencoded":
        data = urlencode(pairs)
        return client.post(
            url, data, content_type="application/x-www-form-urlencoded", headers=headers
        )
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return client.post(url, grouped, headers=headers)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_no_post_makes_a_server_error_or_a_partial_write(world, name):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))
    client = _client(world, route.user)
    page = route.page(world) if route.page else url
    shown = client.get(page)
    assert shown.status_code < 400 or route.examples == READS_NO_BODY, (page, shown.status_code)
    html = shown.content.decode() if shown.status_code == 200 else ""
    fields = fields_of(html, urlsplit(page).path, urlsplit(url).path)
    ids = _ids(world)
    rows = snapshot()

    @settings(max_examples=route.examples, **HYPOTHESIS)
    @given(
        pairs=body(fields, ids),
        headers=st.sampled_from(HEADERS),
        encoding=st.sampled_from(["multipart", "urlencoded"]),
    )
    def check(pairs, headers, encoding):
        client.cookies.pop("messages", None)
        what = (name, [(k, v[:80]) for k, v in pairs], headers, encoding)
        with transaction.atomic():
            with watched() as (queries, errors):
                response = send(client, url, pairs, headers, encoding)
            assert not errors, [record.getMessage() for record in errors]
            check_response(response, rows, snapshot() if wrote(queries) else rows, what)
            transaction.set_rollback(True)

    check()
