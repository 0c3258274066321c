"""Every URL, asked by every kind of person, answers as debrief.permissions says.

The URL resolver is walked: a URL added without a row in MATRIX fails
test_every_url_is_classified. Each row names the URL, the object it is asked about and the
expected outcome per role; OK is any answer that is not a refusal (a page, a redirect after a
change, or 422 for the empty form posted). Each request runs in a transaction rolled back
afterwards, so what one person changes never decides what the next one is answered; the
world they are asked about is built once for the module (tests/module_rows.py).

The roles: anonymous; vic the viewer; bob, a member of another team (Platform); erin the
manager; rita, a Platform member named responder of the private incident; alice, a member
of the owning team (Payments, of which she is also a team admin); ada, an organisation admin
by role (not staff).
"""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from debrief import home, permissions
from followups import services as followup_services
from followups.models import ActionItem
from incidents import services as incident_services
from incidents.models import Incident, Service, Team
from integrations.tokens import token_create
from learning import search
from postmortems import services as postmortem_services
from postmortems.models import ContributingFactor, FactorCategory, Postmortem, PostmortemTemplate
from tests.module_rows import world_fixtures

OK, LOGIN, DENIED, HIDDEN = "ok", "login", 403, 404
ROLES = ["anonymous", "viewer", "other", "manager", "responder", "owner", "admin"]


def _outcomes(**given) -> dict:
    return {role: given[role] for role in ROLES}


# Who may do what, as rows of the matrix refer to it.
SIGNED_IN = _outcomes(
    anonymous=LOGIN, viewer=OK, other=OK, manager=OK, responder=OK, owner=OK, admin=OK
)
WORKING = {**SIGNED_IN, "viewer": DENIED}
EDIT = _outcomes(
    anonymous=LOGIN,
    viewer=DENIED,
    other=DENIED,
    manager=DENIED,
    responder=DENIED,
    owner=OK,
    admin=OK,
)
DRAFT = {**EDIT, "manager": OK}
PRIVATE = _outcomes(
    anonymous=LOGIN,
    viewer=HIDDEN,
    other=HIDDEN,
    manager=HIDDEN,
    responder=OK,
    owner=HIDDEN,
    admin=OK,
)
ADMIN_ONLY = {**EDIT, "owner": DENIED}
# Pages of the owning team's integrations with an id of nothing: those let in look for it.
TEAM_ADMIN_MISSING = {**EDIT, "owner": HIDDEN, "admin": HIDDEN}
NOBODY_HAS_IT = {**SIGNED_IN, **{role: HIDDEN for role in ROLES[1:]}}
PUBLIC = {role: OK for role in ROLES}
# Programs authenticate with a token, not a session (see test_api_tokens_* below).
API = {role: 401 for role in ROLES}

# (url name, what it is asked about, method, outcomes). "pub" is a Payments incident with a
# published postmortem, "draft" one whose postmortem is a draft, "private" a private
# Payments incident with a draft postmortem and a follow-up.
MATRIX = [
    ("home", None, "get", {**SIGNED_IN}),
    ("healthz", None, "get", PUBLIC),
    ("login", None, "get", PUBLIC),
    ("logout", None, "post", {role: LOGIN for role in ROLES}),
    ("incidents:list", None, "get", WORKING),
    ("incidents:declare", None, "get", WORKING),
    ("incidents:detail", "pub", "get", WORKING),
    ("incidents:detail", "private", "get", PRIVATE),
    ("incidents:edit", "pub", "get", EDIT),
    ("incidents:edit", "private", "get", PRIVATE),
    *[
        (f"incidents:{name}", target, "post", EDIT if target == "pub" else PRIVATE)
        for name in (
            "acknowledge",
            "change-status",
            "change-severity",
            "mark-restored",
            "add-note",
            "reopen",
            "responders",
        )
        for target in ("pub", "private")
    ],
    ("incidents:team-list", None, "get", WORKING),
    ("incidents:team-detail", "team", "get", WORKING),
    ("incidents:service-list", None, "get", WORKING),
    ("incidents:service-detail", "service", "get", WORKING),
    ("incidents:deployment-record", None, "get", WORKING),
    ("postmortems:start", "pub", "post", EDIT),
    ("postmortems:start", "private", "post", PRIVATE),
    ("postmortems:detail", "pub_pm", "get", SIGNED_IN),
    ("postmortems:detail", "draft_pm", "get", DRAFT),
    ("postmortems:detail", "private_pm", "get", PRIVATE),
    ("postmortems:export", "pub_pm", "get", SIGNED_IN),
    ("postmortems:export", "draft_pm", "get", DRAFT),
    ("postmortems:export", "private_pm", "get", PRIVATE),
    ("postmortems:publish", "draft_pm", "post", EDIT),
    ("postmortems:publish", "private_pm", "post", PRIVATE),
    ("postmortems:review-request", "draft_pm", "post", EDIT),
    ("postmortems:review-request", "private_pm", "post", PRIVATE),
    # Approving is for reviewers; the editors are let in and told they were not asked.
    ("postmortems:review-approve", "draft_pm", "post", DRAFT),
    ("postmortems:review-approve", "private_pm", "post", PRIVATE),
    ("postmortems:review-withdraw", "draft_review", "post", EDIT),
    ("postmortems:review-withdraw", "private_review", "post", PRIVATE),
    ("postmortems:meeting-schedule", "draft_pm", "post", EDIT),
    ("postmortems:meeting-schedule", "private_pm", "post", PRIVATE),
    ("postmortems:meeting-ics", "draft_meeting", "get", EDIT),
    ("postmortems:meeting-ics", "private_meeting", "get", PRIVATE),
    ("postmortems:comment-resolve", "draft_comment", "post", EDIT),
    ("postmortems:comment-resolve", "private_comment", "post", PRIVATE),
    ("postmortems:factor-add", "draft_pm", "post", EDIT),
    ("postmortems:factor-add", "private_pm", "post", PRIVATE),
    ("postmortems:factor-remove", "draft_factor", "post", EDIT),
    ("postmortems:factor-remove", "private_factor", "post", PRIVATE),
    ("postmortems:section", "draft_section", "get", DRAFT),
    ("postmortems:section", "private_section", "get", PRIVATE),
    ("postmortems:section-preview", "draft_section", "post", EDIT),
    ("postmortems:section-preview", "private_section", "post", PRIVATE),
    ("postmortems:comment-add", "draft_section", "post", EDIT),
    ("postmortems:comment-add", "private_section", "post", PRIVATE),
    ("postmortems:section-history", "draft_section", "get", DRAFT),
    ("postmortems:section-history", "private_section", "get", PRIVATE),
    ("postmortems:revision-restore", "draft_revision", "post", EDIT),
    ("postmortems:revision-restore", "private_revision", "post", PRIVATE),
    ("postmortems:timeline-refresh", "draft_timeline", "post", EDIT),
    ("postmortems:timeline-refresh", "private_timeline", "post", PRIVATE),
    ("postmortem_templates:list", None, "get", WORKING),
    ("postmortem_templates:create", None, "get", {**WORKING, "manager": DENIED}),
    ("postmortem_templates:detail", "template", "get", WORKING),
    ("postmortem_templates:clone", "template", "post", {**WORKING, "manager": DENIED}),
    # A built-in template is never changed, by anyone: it is cloned instead.
    ("postmortem_templates:edit", "template", "get", {**ADMIN_ONLY, "admin": DENIED}),
    ("followups:board", None, "get", WORKING),
    ("followups:export", None, "get", WORKING),
    ("followups:team-board", "team", "get", WORKING),
    ("followups:team-export", "team", "get", WORKING),
    ("followups:detail", "pub_item", "get", WORKING),
    ("followups:detail", "private_item", "get", PRIVATE),
    ("followups:edit", "pub_item", "post", EDIT),
    ("followups:edit", "private_item", "post", PRIVATE),
    ("followups:change-status", "pub_item", "post", EDIT),
    ("followups:change-status", "private_item", "post", PRIVATE),
    ("followups:postmortem-items", "draft_pm", "post", EDIT),
    ("followups:postmortem-items", "private_pm", "post", PRIVATE),
    ("followups:postmortem-item-edit", "draft_pm_item", "post", EDIT),
    ("followups:postmortem-item-edit", "private_pm_item", "post", PRIVATE),
    ("followups:postmortem-item-move", "draft_pm_item", "post", EDIT),
    ("followups:postmortem-item-move", "private_pm_item", "post", PRIVATE),
    ("notification_settings:edit", None, "get", SIGNED_IN),
    ("learning:organisation", None, "get", SIGNED_IN),
    ("learning:export", None, "get", SIGNED_IN),
    ("learning:review", None, "get", SIGNED_IN),
    ("learning:review-markdown", None, "get", SIGNED_IN),
    ("learning:definitions", None, "get", SIGNED_IN),
    ("learning:team", "team", "get", SIGNED_IN),
    ("learning:search", None, "get", SIGNED_IN),
    ("integrations:team-tokens", "team", "get", ADMIN_ONLY | {"owner": OK}),
    ("integrations:token-revoke", "team_missing", "post", TEAM_ADMIN_MISSING),
    ("webhooks:receive", "hook", "post", {role: HIDDEN for role in ROLES}),
    ("webhooks:endpoints", "team", "get", ADMIN_ONLY | {"owner": OK}),
    ("webhooks:inbox", "team", "get", ADMIN_ONLY | {"owner": OK}),
    *[
        (f"webhooks:{name}", "team_missing", "post", TEAM_ADMIN_MISSING)
        for name in ("assign", "dismiss", "rotate", "secret", "delete", "route-add")
    ],
    ("webhooks:endpoint", "team_missing", "get", TEAM_ADMIN_MISSING),
    ("webhooks:route-delete", "team_missing_route", "post", TEAM_ADMIN_MISSING),
    ("outbound:destinations", "team", "get", ADMIN_ONLY | {"owner": OK}),
    ("outbound:log", "team_missing", "get", TEAM_ADMIN_MISSING),
    ("outbound:edit", "team_missing", "get", TEAM_ADMIN_MISSING),
    *[
        (f"outbound:{name}", "team_missing", "post", TEAM_ADMIN_MISSING)
        for name in ("test", "secret", "delete")
    ],
    ("culture:invitations", None, "get", SIGNED_IN),
    ("culture:answer", "nobody's_invitation", "get", NOBODY_HAS_IT),
    ("culture:organisation", None, "get", SIGNED_IN),
    ("culture:survey-start", None, "post", ADMIN_ONLY),
    ("culture:team", "team", "get", SIGNED_IN),
    ("time-zone-settings", None, "get", SIGNED_IN),
    ("audit:list", None, "get", ADMIN_ONLY),
    # Moving to the bin is for those who may change the object; the bin is for admins, who
    # restore only what is in it (these objects are not: an admin is answered 404).
    ("incidents:delete", "pub", "post", EDIT),
    ("incidents:delete", "private", "post", PRIVATE),
    ("postmortems:delete", "draft_pm", "post", EDIT),
    ("postmortems:delete", "private_pm", "post", PRIVATE),
    ("followups:delete", "pub_item", "post", EDIT),
    ("followups:delete", "private_item", "post", PRIVATE),
    ("bin:list", None, "get", ADMIN_ONLY),
    ("bin:restore-incident", "pub", "post", {**ADMIN_ONLY, "admin": HIDDEN}),
    ("bin:restore-postmortem", "pub_pm", "post", {**ADMIN_ONLY, "admin": HIDDEN}),
    ("bin:restore-followup", "pub_item", "post", {**ADMIN_ONLY, "admin": HIDDEN}),
    ("accounts:people", None, "get", ADMIN_ONLY),
    ("accounts:role", "person", "post", ADMIN_ONLY),
    *[
        (f"integrations:api:{name}", None, method, API)
        for name, method in (
            ("list_incidents", "get"),
            ("get_incident", "get"),
            ("add_event", "post"),
            ("list_deployments", "get"),
            ("four_keys_metrics", "get"),
            ("team_trend", "get"),
            ("organisation_trend", "get"),
        )
    ],
    ("integrations:api:openapi-json", None, "get", PUBLIC),
    ("integrations:api:openapi-view", None, "get", PUBLIC),
    ("integrations:api:api-root", None, "get", {role: HIDDEN for role in ROLES}),
]
# The API's other names share these URLs with another method; the Django admin has its own
# rule (is_staff), tested by Django.
SHARED_URLS = {
    "integrations:api:declare_incident",
    "integrations:api:change_incident",
    "integrations:api:record_deployment",
}


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            if inner == "admin":
                continue
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_is_classified():
    classified = {name for name, *_ in MATRIX} | SHARED_URLS
    assert set(_url_names(get_resolver().url_patterns)) - classified == set()


def _person(username: str, *, role: str = "member", team=None, **fields) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "password", **fields)
    user.profile.role = role
    user.profile.save(update_fields=["role"])
    if team is not None:
        team.members.add(user)
    return user


def _build_world() -> dict:
    payments = Team.objects.create(name="Payments", slug="payments")
    platform = Team.objects.create(name="Platform", slug="platform")
    checkout = Service.objects.create(
        name="Checkout", slug="checkout", team=payments, tier=Service.Tier.TIER_1
    )
    Service.objects.create(name="Search", slug="search", team=platform)
    reporter = _person("carol", team=None)
    people = {
        "viewer": _person("vic", role="viewer"),
        "other": _person("bob", team=platform),
        "manager": _person("erin", role="manager"),
        "responder": _person("rita", team=platform),
        "owner": _person("alice", team=payments),
        "admin": _person("ada", role="admin"),
    }
    payments.admins.add(people["owner"])
    template = PostmortemTemplate.objects.get(slug="standard")

    def incident(title, **fields):
        return incident_services.incident_declare(
            title=title, severity=2, services=[checkout], reporter=reporter, **fields
        )

    def postmortem(of):
        return postmortem_services.postmortem_start(incident=of, template=template, by=reporter)

    pub, draft = incident("Card payments failing"), incident("Refunds slow")
    private = incident("Leaked card numbers", is_private=True)
    private.responders.add(people["responder"])
    pub_pm = postmortem(pub)
    Postmortem.objects.filter(pk=pub_pm.pk).update(status="published", published_at=timezone.now())
    objects = {"pub": pub, "draft": draft, "private": private, "pub_pm": pub_pm}
    category = FactorCategory.objects.filter(is_active=True).first()
    for name, of in (("draft", draft), ("private", private)):
        pm = postmortem(of)
        contents = list(pm.contents.select_related("section"))
        text = next(c for c in contents if c.section.kind == "text")
        timeline = next(c for c in contents if c.section.kind == "timeline")
        postmortem_services.section_save(
            content=text, body="First", by=reporter, expected_version=0
        )
        reviewer = _person(f"{name}-reviewer")
        of.responders.add(reviewer)
        (review,) = postmortem_services.review_request(
            postmortem=pm, by=reporter, reviewers=[reviewer]
        )
        objects |= {
            f"{name}_pm": pm,
            f"{name}_section": text,
            f"{name}_timeline": timeline,
            f"{name}_review": review,
            f"{name}_factor": postmortem_services.factor_add(
                postmortem=pm, category=category, description="No alert", by=reporter
            ),
            f"{name}_comment": postmortem_services.comment_add(
                postmortem=pm, section=text.section, body="Why?", by=reporter
            ),
            f"{name}_meeting": postmortem_services.meeting_schedule(
                postmortem=pm,
                starts_at=timezone.now() + timedelta(days=1),
                duration_minutes=30,
                location="Room 1",
                participants=[reporter],
                by=reporter,
            ),
            f"{name}_pm_item": followup_services.item_create(
                incident=of,
                title="Rotate the leaked keys" if of.is_private else "Add an alert",
                by=reporter,
                postmortem=pm,
            ),
        }
    objects["pub_item"] = followup_services.item_create(incident=pub, title="Retry", by=reporter)
    objects["private_item"] = objects["private_pm_item"]
    token = token_create(team=payments, name="Deploys", by=reporter)
    return {
        "people": people,
        "objects": objects,
        "payments": payments,
        "platform": platform,
        "token": token,
    }


# Built once per module: each test (and each fuzz example) runs in a rolled-back transaction.
module_world, world = world_fixtures(_build_world)


def _kwargs(target, world) -> dict:
    objects, team = world["objects"], world["payments"]
    if target is None:
        return {}
    if target in {"pub", "draft", "private"}:
        return {"pk": objects[target].pk}
    if target.endswith("_pm_item"):
        item = objects[target]
        return {"pk": item.postmortem_id, "item_pk": item.pk}
    if target.endswith(("_pm", "_item")):
        return {"pk": objects[target].pk}
    kind = target.split("_", 1)[1] if "_" in target else target
    if kind in {"section", "timeline"}:
        content = objects[target]
        return {"pk": content.postmortem_id, "key": content.section.key}
    if kind == "revision":
        content = objects[target.replace("revision", "section")]
        return {"pk": content.postmortem_id, "key": content.section.key, "version": 1}
    if kind in {"review", "meeting", "comment", "factor"}:
        obj = objects[target]
        return {"pk": obj.postmortem_id, f"{kind}_pk": obj.pk}
    if target == "team":
        return {"slug": team.slug}
    if target == "service":
        return {"slug": "checkout"}
    if target == "team_missing":
        return {"slug": team.slug, "pk": 987654}
    if target == "team_missing_route":
        return {"slug": team.slug, "pk": 987654, "route_pk": 987654}
    if target == "template":
        return {"slug": "standard"}
    if target == "hook":
        return {"kind": "generic", "token": "no-such-endpoint"}
    if target == "nobody's_invitation":
        return {"pk": uuid.uuid4()}
    if target == "person":
        return {"pk": world["people"]["other"].pk}
    raise AssertionError(target)


def _api_kwargs(name, world) -> dict:
    wanted = name.endswith(("get_incident", "add_event"))
    return {"incident_id": world["objects"]["pub"].pk} if wanted else {}


def _outcome(response) -> str | int:
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return LOGIN
    if response.status_code in {401, 403, 404}:
        return response.status_code
    assert response.status_code != 405, "the matrix asks with a method the URL refuses"
    return OK


def _ask(client, method, url):
    # Rolled back: what one person changed must not decide what the next one is answered.
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def _client(world, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["people"][role])
    return client


@pytest.mark.parametrize(
    ("name", "target", "method", "expected"),
    MATRIX,
    ids=[f"{name}-{target}-{method}" for name, target, method, _ in MATRIX],
)
def test_each_role_is_answered_as_the_matrix_says(world, name, target, method, expected):
    kwargs = _api_kwargs(name, world) if ":api:" in name else _kwargs(target, world)
    if name == "postmortems:start":
        kwargs = {"incident_pk": kwargs["pk"]}
    url = reverse(name, kwargs=kwargs)
    answered = {role: _outcome(_ask(_client(world, role), method, url)) for role in ROLES}
    assert answered == expected


# --- Private incidents in lists, search, exports and the API ---------------------------------


LISTINGS = [
    ("incidents:list", {}, {}),
    ("incidents:team-detail", {"slug": "payments"}, {}),
    ("incidents:service-detail", {"slug": "checkout"}, {}),
    ("followups:board", {}, {}),
    ("followups:export", {}, {}),
    ("followups:team-export", {"slug": "payments"}, {}),
    ("learning:search", {}, {"q": "leaked"}),
]


@pytest.mark.parametrize(("name", "kwargs", "params"), LISTINGS)
def test_a_private_incident_is_listed_only_for_its_responders_and_admins(
    world, name, kwargs, params
):
    url = reverse(name, kwargs=kwargs)
    listed = set()
    for role in ROLES[1:]:
        response = _client(world, role).get(url, params)
        if response.status_code == 403:
            continue
        assert response.status_code == 200
        text = b"".join(response) if response.streaming else response.content
        if b"Leaked card numbers" in text or b"Rotate the leaked keys" in text:
            listed.add(role)
    assert listed == {"responder", "admin"}


def test_api_tokens_made_by_an_organisation_admin_list_their_teams_private_incidents(world):
    token = token_create(team=world["payments"], name="Security", by=world["people"]["admin"])
    client = Client(headers={"authorization": f"Bearer {token.secret}"})
    listed = client.get("/api/incidents").json()["items"]
    assert {item["title"] for item in listed} >= {"Leaked card numbers", "Card payments failing"}
    assert next(i for i in listed if i["title"] == "Leaked card numbers")["is_private"] is True


def test_other_api_tokens_of_the_team_are_answered_404_for_its_private_incident(world):
    # Made by a member, or by the team's admin: neither is a responder of the incident.
    for by in (None, world["people"]["owner"]):
        token = token_create(team=world["payments"], name=f"Bridge {by}", by=by)
        client = Client(headers={"authorization": f"Bearer {token.secret}"})
        private = world["objects"]["private"]
        assert client.get(f"/api/incidents/{private.pk}").status_code == 404
        assert "Leaked" not in client.get("/api/incidents").content.decode()
    client = Client(headers={"authorization": f"Bearer {world['token'].secret}"})
    assert "Leaked" not in client.get("/api/incidents").content.decode()


def test_api_tokens_of_another_team_are_answered_404_for_a_private_incident(world):
    token = token_create(team=world["platform"], name="Theirs", by=None)
    client = Client(headers={"authorization": f"Bearer {token.secret}"})
    private, public = world["objects"]["private"], world["objects"]["pub"]
    assert client.get(f"/api/incidents/{private.pk}").status_code == 404
    assert (
        client.post(
            f"/api/incidents/{private.pk}/events", {"body": "x"}, "application/json"
        ).status_code
        == 404
    )
    # Another team's ordinary incident is refused, as it always was: it is no secret.
    assert client.get(f"/api/incidents/{public.pk}").status_code == 403
    assert "Leaked" not in client.get("/api/incidents").content.decode()


def _rules_world(world) -> None:
    """More ways of being let in or kept out than the matrix needs: a private incident Bob
    commands with a draft, a reviewer who responds to nothing, a staff account, an inactive
    account, a binned incident with its postmortem, and a published postmortem's factor."""
    objects, people = world["objects"], world["people"]
    owner, checkout = people["owner"], Service.objects.get(slug="checkout")
    template = PostmortemTemplate.objects.get(slug="standard")

    def with_draft(title: str, **fields) -> Incident:
        incident = incident_services.incident_declare(
            title=title, severity=2, services=[checkout], reporter=owner, **fields
        )
        postmortem_services.postmortem_start(incident=incident, template=template, by=owner)
        return incident

    commanded = with_draft("Private, commanded by Bob", is_private=True)
    Incident.objects.filter(pk=commanded.pk).update(commander=people["other"])
    reviewer = _person("rhea")
    postmortem_services.review_request(
        postmortem=objects["draft_pm"], by=owner, reviewers=[reviewer]
    )
    _person("sam", role="admin", is_staff=True)
    _person("ina", is_active=False, team=world["payments"])
    incident_services.incident_delete(
        incident=with_draft("Binned with its postmortem"), by=people["admin"]
    )
    # An incident in the bin whose postmortem and follow-up are not (written around the
    # services): nothing of it shows either.
    alone = with_draft("Binned alone")
    followup_services.item_create(incident=alone, title="Left behind", by=owner)
    Incident.objects.filter(pk=alone.pk).update(deleted_at=timezone.now())
    ContributingFactor.objects.create(
        postmortem=objects["pub_pm"],
        category=FactorCategory.objects.filter(is_active=True).first(),
        description="No alert on the pool",
    )


def _pks(rows) -> set[int]:
    return set(rows.values_list("pk", flat=True))


def test_the_rules_written_on_keys_let_through_exactly_what_the_rules_do(world):
    # Search and the home page apply incident_visibility and postmortem_visibility as
    # conditions on keys (debrief.permissions.*_by_key); for every person, through every path
    # they are used by, they must choose the same rows.
    _rules_world(world)
    viewers = [AnonymousUser(), *User.objects.all()]
    assert len(viewers) > 10
    paths = [
        (Incident, "", permissions.incident_visibility, permissions.incident_visibility_by_key),
        (Incident, "", permissions.incident_privacy, permissions.incident_privacy_by_key),
        (
            ActionItem,
            "incident__",
            permissions.incident_visibility,
            permissions.incident_visibility_by_key,
        ),
        (
            Postmortem,
            "",
            permissions.postmortem_visibility,
            permissions.postmortem_visibility_by_key,
        ),
        (
            ContributingFactor,
            "postmortem__",
            permissions.postmortem_visibility,
            permissions.postmortem_visibility_by_key,
        ),
    ]
    for viewer in viewers:
        for model, prefix, rule, by_key in paths:
            rows = model.all_objects if hasattr(model, "all_objects") else model.objects
            assert _pks(rows.filter(by_key(viewer, prefix))) == _pks(
                rows.filter(rule(viewer, prefix))
            ), (viewer, model.__name__, rule.__name__)


def test_search_and_the_home_page_keep_out_what_the_rules_and_the_bin_keep_out(world):
    _rules_world(world)
    for viewer in User.objects.all():
        # Each kind of search result, as the rules and the bin choose it by joins.
        for kind in search.KINDS:
            incident = kind.incident
            expected = (
                kind.model.objects.order_by()
                .filter(**{f"{kind.binned_with}deleted_at__isnull": True})
                .filter(**{f"{incident}deleted_at__isnull": True})
            )
            if kind.postmortem is not None:
                expected = expected.filter(
                    permissions.postmortem_visibility(viewer, kind.postmortem)
                )
            else:
                expected = expected.filter(permissions.incident_visibility(viewer, incident))
            chosen = search._filtered(
                kind, kind.model._base_manager.order_by(), viewer=viewer, filters={}
            )
            assert _pks(chosen) == _pks(expected), (viewer, kind.name)
        # The drafts the home page offers, as the rules choose them by joins.
        drafts = Postmortem.objects.exclude(status=Postmortem.Status.PUBLISHED).filter(
            Q(created_by=viewer)
            | Q(incident__team__in=viewer.teams.values("pk"))
            | Q(incident__commander=viewer)
            | Q(incident__reporter=viewer),
            permissions.incident_visibility(viewer, "incident__"),
            incident__deleted_at__isnull=True,
        )
        section = home.drafts_to_write(viewer=viewer)
        assert {item.pk for item in section.items} == _pks(drafts), viewer
        assert section.count == drafts.count(), viewer
