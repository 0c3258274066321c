from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Deployment, DeploymentCommit, Incident

from .factories import local_input


def record(client, service, **changes):
    data = {
        "service": service.pk,
        "environment": "production",
        "version": "v42",
        "commits": "",
        "first_commit_at": "",
        "deployed_at": "",
        "outcome": "succeeded",
        "external_id": "",
    }
    data.update(changes)
    return client.post("/deployments/record/", data)


def test_recording_a_deployment_with_commits_sets_the_earliest_commit_time(alice_client, checkout):
    deployed = timezone.now() - timedelta(hours=1)
    older, newer = deployed - timedelta(days=2), deployed - timedelta(hours=3)
    response = record(
        alice_client,
        checkout,
        deployed_at=local_input(deployed),
        commits=f"ABCDEF1234 {local_input(newer)}\n\n1234567abc {local_input(older)}\nfeedbee\n",
    )
    assert response.status_code == 302
    assert response["Location"] == "/services/checkout/"
    deployment = Deployment.objects.get()
    assert sorted(deployment.commits.values_list("sha", flat=True)) == [
        "1234567abc",
        "abcdef1234",
        "feedbee",
    ]
    assert deployment.first_commit_at == older.replace(second=0, microsecond=0)
    assert deployment.lead_time == deployment.deployed_at - deployment.first_commit_at


def test_a_malformed_commit_line_is_explained_and_the_text_kept(alice_client, checkout):
    response = record(alice_client, checkout, commits="abcdef1 yesterday-ish", version="v43")
    assert response.status_code == 422
    assert "Line 1: &#x27;yesterday-ish&#x27; is not a date and time" in response.text
    assert 'value="v43"' in response.text
    assert not Deployment.objects.exists()


def test_not_a_sha_is_refused(alice_client, checkout):
    response = record(alice_client, checkout, commits="not-a-sha")
    assert "is not a commit SHA" in response.text


def test_a_deployment_in_the_future_is_refused(alice_client, checkout):
    response = record(
        alice_client, checkout, deployed_at=local_input(timezone.now() + timedelta(days=1))
    )
    assert response.status_code == 422
    assert "A deployment cannot be recorded in the future." in response.text


def test_commits_after_the_deployment_are_refused(alice_client, checkout):
    deployed = timezone.now() - timedelta(hours=2)
    response = record(
        alice_client,
        checkout,
        deployed_at=local_input(deployed),
        first_commit_at=local_input(deployed + timedelta(hours=1)),
    )
    assert "The earliest commit cannot be after the deployment." in response.text


def test_commits_after_the_deployment_are_refused_line_by_line(alice_client, checkout):
    deployed = timezone.now() - timedelta(hours=2)
    response = record(
        alice_client,
        checkout,
        deployed_at=local_input(deployed),
        commits=f"abcdef1 {local_input(deployed - timedelta(hours=1))}\n"
        f"1234567 {local_input(deployed + timedelta(minutes=30))}",
    )
    assert response.status_code == 422
    assert "A commit cannot be after the deployment" in response.text
    assert not Deployment.objects.exists()


def test_the_earliest_commit_cannot_be_later_than_a_listed_commit(alice_client, checkout):
    deployed = timezone.now() - timedelta(hours=2)
    response = record(
        alice_client,
        checkout,
        deployed_at=local_input(deployed),
        first_commit_at=local_input(deployed - timedelta(hours=1)),
        commits=f"abcdef1 {local_input(deployed - timedelta(hours=5))}",
    )
    assert response.status_code == 422
    assert "The earliest commit cannot be later than a commit listed" in response.text


def test_a_given_earliest_commit_before_all_listed_ones_is_kept(alice_client, checkout):
    deployed = timezone.now() - timedelta(hours=2)
    earliest = deployed - timedelta(days=3)
    response = record(
        alice_client,
        checkout,
        deployed_at=local_input(deployed),
        first_commit_at=local_input(earliest),
        commits=f"abcdef1 {local_input(deployed - timedelta(hours=5))}",
    )
    assert response.status_code == 302
    assert Deployment.objects.get().first_commit_at == earliest.replace(second=0, microsecond=0)


@pytest.mark.parametrize("field", ["deployed_at", "first_commit_at"])
def test_times_before_2000_are_refused(alice_client, settings, checkout, field):
    settings.TIME_ZONE = "Europe/Berlin"
    response = record(alice_client, checkout, **{field: "0001-01-01T00:00"})
    assert response.status_code == 422
    assert "Enter a time in 2000 or later." in response.text


def test_a_commit_before_2000_is_refused(alice_client, checkout):
    response = record(alice_client, checkout, commits="abcdef1 1970-01-01T00:00")
    assert response.status_code == 422
    assert "Line 1: Enter a time in 2000 or later." in response.text


def test_the_same_external_id_is_recorded_once(alice_client, checkout):
    assert record(alice_client, checkout, external_id="run-77").status_code == 302
    again = record(alice_client, checkout, external_id="run-77")
    assert again.status_code == 422
    assert "already recorded" in again.text
    assert Deployment.objects.count() == 1
    # Deployments without an external id are never considered duplicates.
    assert record(alice_client, checkout).status_code == 302
    assert record(alice_client, checkout).status_code == 302


def test_only_the_owning_teams_services_are_offered(alice_client, checkout, search):
    page = alice_client.get("/deployments/record/")
    assert ">Checkout</option>" in page.text
    assert ">Search</option>" not in page.text


def test_staff_may_record_for_every_service(dave_client, checkout, search):
    page = dave_client.get("/deployments/record/")
    assert ">Checkout</option>" in page.text and ">Search</option>" in page.text
    assert record(dave_client, search).status_code == 302


def test_a_forged_service_is_refused_and_explained(bob_client, checkout):
    response = record(bob_client, checkout)
    assert response.status_code == 422
    assert "only for your teams&#x27; services" in response.text
    assert not Deployment.objects.exists()


def test_the_record_button_shows_only_where_one_may_record(alice_client, bob_client, checkout):
    button = "?service=checkout"
    assert button in alice_client.get("/services/checkout/").text
    assert button not in bob_client.get("/services/checkout/").text


def test_the_service_page_lists_deployments_newest_first(alice_client, alice, checkout):
    now = timezone.now()
    for n in range(3):
        Deployment.objects.create(
            service=checkout, version=f"v{n}", deployed_at=now - timedelta(days=3 - n)
        )
    response = alice_client.get("/services/checkout/")
    versions = [d.version for d in response.context["page"].object_list]
    assert versions == ["v2", "v1", "v0"]


@pytest.mark.parametrize("count", [3, 300])
def test_the_service_page_costs_the_same_queries_at_any_size(
    alice_client, alice, checkout, django_assert_max_num_queries, count
):
    now = timezone.now()
    deployments = Deployment.objects.bulk_create(
        Deployment(service=checkout, version=f"v{n}", deployed_at=now - timedelta(hours=n))
        for n in range(count)
    )
    DeploymentCommit.objects.bulk_create(
        DeploymentCommit(deployment=d, sha=f"{n:07x}", committed_at=now)
        for n, d in enumerate(deployments)
    )
    incident = Incident.objects.create(
        title="Boom", team=checkout.team, caused_by_deployment=deployments[0]
    )
    incident.services.add(checkout)
    with django_assert_max_num_queries(9):
        response = alice_client.get("/services/checkout/")
    assert response.context["page"].object_list[0].incident_count == 1
    assert response.context["page"].object_list[0].commit_count == 1


def test_incidents_link_to_the_deployment_that_caused_them(alice_client, alice, checkout):
    deployment = Deployment.objects.create(service=checkout, version="v9")
    incident = Incident.objects.create(
        title="Boom", team=checkout.team, caused_by_deployment=deployment
    )
    incident.services.add(checkout)
    page = alice_client.get(f"/incidents/{incident.pk}/")
    assert "Caused by deployment" in page.text
    assert "Checkout v9 (production)" in page.text
