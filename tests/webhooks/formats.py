"""Payloads in the tools' documented formats: Alertmanager's webhook (version 4), PagerDuty's
V3 webhook event, GitHub's deployment_status, workflow_run and push events, and Debrief's
generic format. Each builder takes the details a test cares about."""

from datetime import datetime

from .conftest import iso

ZERO_TIME = "0001-01-01T00:00:00Z"


def alert(
    *,
    name: str = "HighErrorRate",
    status: str = "firing",
    starts_at: datetime,
    ends_at: datetime | None = None,
    fingerprint: str = "1a30ba71cca2921f",
    service: str = "checkout",
    severity: str = "critical",
    instance: str = "checkout-1:9090",
    with_fingerprint: bool = True,
) -> dict:
    data = {
        "status": status,
        "labels": {
            "alertname": name,
            "service": service,
            "severity": severity,
            "instance": instance,
            "job": "checkout",
        },
        "annotations": {
            "summary": f"{name} on {instance}",
            "description": "5xx above 5% for 5 minutes.",
        },
        "startsAt": iso(starts_at, nanoseconds=True),
        "endsAt": iso(ends_at, nanoseconds=True) if ends_at else ZERO_TIME,
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=errors",
    }
    if with_fingerprint:
        data["fingerprint"] = fingerprint
    return data


def alert_group(
    *alerts: dict,
    status: str = "firing",
    group_key: str = '{}/{service="checkout"}:{alertname="HighErrorRate"}',
    summary: str | None = "Checkout is failing payments",
    extra_common: dict | None = None,
) -> dict:
    common = {"alertname": alerts[0]["labels"]["alertname"], "job": "checkout"}
    shared = ("service", "severity")
    for name in shared:
        values = {item["labels"].get(name) for item in alerts}
        if len(values) == 1:
            common[name] = values.pop()
    common.update(extra_common or {})
    annotations = {"description": "5xx above 5% for 5 minutes."}
    if summary:
        annotations["summary"] = summary
    return {
        "receiver": "debrief",
        "status": status,
        "alerts": list(alerts),
        "groupLabels": {"alertname": common["alertname"]},
        "commonLabels": common,
        "commonAnnotations": annotations,
        "externalURL": "http://alertmanager.example.org:9093",
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
    }


def pagerduty_event(
    event_type: str,
    *,
    occurred_at: datetime,
    created_at: datetime | None = None,
    event_id: str = "01DEN5B1QXFJJ8XQ43XNRK2JYD",
    incident_id: str = "PT4KHLK",
    service_id: str = "PIJ90N7",
    title: str = "The server is on fire.",
    urgency: str = "high",
    priority: str | None = None,
) -> dict:
    data = {
        "id": incident_id,
        "type": "incident",
        "self": f"https://api.pagerduty.com/incidents/{incident_id}",
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
        "number": 2,
        "status": event_type.removeprefix("incident."),
        "incident_key": "d3640fbd41094207a1c11e58e46b1662",
        "title": title,
        "service": {
            "html_url": f"https://acme.pagerduty.com/services/{service_id}",
            "id": service_id,
            "self": f"https://api.pagerduty.com/services/{service_id}",
            "summary": "Checkout API",
            "type": "service_reference",
        },
        "assignees": [
            {
                "html_url": "https://acme.pagerduty.com/users/PTUXL6G",
                "id": "PTUXL6G",
                "self": "https://api.pagerduty.com/users/PTUXL6G",
                "summary": "User 123",
                "type": "user_reference",
            }
        ],
        "escalation_policy": {
            "html_url": "https://acme.pagerduty.com/escalation_policies/PUS0KTE",
            "id": "PUS0KTE",
            "self": "https://api.pagerduty.com/escalation_policies/PUS0KTE",
            "summary": "Default",
            "type": "escalation_policy_reference",
        },
        "teams": [],
        "priority": {
            "html_url": "https://acme.pagerduty.com/account/incident_priorities",
            "id": "PSO75BM",
            "self": "https://api.pagerduty.com/priorities/PSO75BM",
            "summary": priority,
            "type": "priority",
        }
        if priority
        else None,
        "urgency": urgency,
        "conference_bridge": None,
        "resolve_reason": None,
    }
    if created_at is not None:
        data["created_at"] = iso(created_at)
    return {
        "event": {
            "id": event_id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": iso(occurred_at),
            "agent": {
                "html_url": "https://acme.pagerduty.com/users/PLH1HKV",
                "id": "PLH1HKV",
                "self": "https://api.pagerduty.com/users/PLH1HKV",
                "summary": "Tenex Engineer",
                "type": "user_reference",
            },
            "client": None,
            "data": data,
        }
    }


REPOSITORY = {
    "id": 35129377,
    "name": "checkout",
    "full_name": "acme/checkout",
    "private": True,
    "owner": {"login": "acme", "id": 21031067, "type": "Organization"},
    "html_url": "https://github.com/acme/checkout",
    "default_branch": "main",
}
SENDER = {"login": "octocat", "id": 583231, "type": "User"}


def deployment_status(
    *,
    state: str,
    created_at: datetime,
    deployment_id: int = 145988746,
    sha: str = "a10867b14bb761a232cd80139fbd4c0d33264240",
    environment: str = "production",
    status_id: int = 951030,
) -> dict:
    return {
        "action": "created",
        "deployment_status": {
            "url": f"https://api.github.com/repos/acme/checkout/deployments/{deployment_id}/statuses/{status_id}",
            "id": status_id,
            "node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXM5NTEwMzA=",
            "state": state,
            "creator": SENDER,
            "description": "",
            "environment": environment,
            "target_url": "",
            "created_at": iso(created_at),
            "updated_at": iso(created_at),
            "deployment_url": f"https://api.github.com/repos/acme/checkout/deployments/{deployment_id}",
            "repository_url": "https://api.github.com/repos/acme/checkout",
        },
        "deployment": {
            "url": f"https://api.github.com/repos/acme/checkout/deployments/{deployment_id}",
            "id": deployment_id,
            "node_id": "MDEwOkRlcGxveW1lbnQxNDU5ODg3NDY=",
            "sha": sha,
            "ref": "main",
            "task": "deploy",
            "payload": {},
            "original_environment": environment,
            "environment": environment,
            "description": None,
            "creator": SENDER,
            "created_at": iso(created_at),
            "updated_at": iso(created_at),
            "statuses_url": f"https://api.github.com/repos/acme/checkout/deployments/{deployment_id}/statuses",
            "repository_url": "https://api.github.com/repos/acme/checkout",
        },
        "repository": REPOSITORY,
        "sender": SENDER,
    }


def workflow_run(
    *,
    conclusion: str | None,
    updated_at: datetime,
    committed_at: datetime | None,
    action: str = "completed",
    run_id: int = 30433642,
    name: str = "Deploy",
    sha: str = "acb5820ced9479c074f688cc328bf03f341a511d",
) -> dict:
    return {
        "action": action,
        "workflow_run": {
            "id": run_id,
            "name": name,
            "node_id": "MDEyOldvcmtmbG93IFJ1bjI2OTI4OQ==",
            "head_branch": "main",
            "head_sha": sha,
            "path": ".github/workflows/deploy.yml",
            "run_number": 562,
            "event": "push",
            "status": "completed" if action == "completed" else "in_progress",
            "conclusion": conclusion,
            "workflow_id": 159038,
            "url": f"https://api.github.com/repos/acme/checkout/actions/runs/{run_id}",
            "html_url": f"https://github.com/acme/checkout/actions/runs/{run_id}",
            "created_at": iso(updated_at),
            "updated_at": iso(updated_at),
            "run_attempt": 1,
            "run_started_at": iso(updated_at),
            "head_commit": None
            if committed_at is None
            else {
                "id": sha,
                "tree_id": "d23f6eedb1e1b9610bbc754ddb5197bfe7271223",
                "message": "Retry card authorisations once",
                "timestamp": iso(committed_at),
                "author": {"name": "Octo Cat", "email": "octocat@github.com"},
                "committer": {"name": "GitHub", "email": "noreply@github.com"},
            },
            "repository": REPOSITORY,
            "head_repository": REPOSITORY,
        },
        "workflow": {"id": 159038, "name": name, "path": ".github/workflows/deploy.yml"},
        "repository": REPOSITORY,
        "sender": SENDER,
    }


def push(*commits: tuple[str, datetime]) -> dict:
    listed = [
        {
            "id": sha,
            "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
            "distinct": True,
            "message": "Change",
            "timestamp": iso(moment),
            "url": f"https://github.com/acme/checkout/commit/{sha}",
            "author": {"name": "Octo Cat", "email": "octocat@github.com", "username": "octocat"},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
            "added": [],
            "removed": [],
            "modified": ["README.md"],
        }
        for sha, moment in commits
    ]
    return {
        "ref": "refs/heads/main",
        "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        "after": listed[-1]["id"] if listed else "0" * 40,
        "created": False,
        "deleted": False,
        "forced": False,
        "compare": "https://github.com/acme/checkout/compare/6113728f27ae...",
        "commits": listed,
        "head_commit": listed[-1] if listed else None,
        "repository": REPOSITORY,
        "pusher": {"name": "octocat", "email": "octocat@github.com"},
        "sender": SENDER,
    }


def github_headers(event: str, delivery: str) -> dict:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Hook-ID": "292430182",
        "User-Agent": "GitHub-Hookshot/044aadd",
    }
