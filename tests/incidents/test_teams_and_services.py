import pytest

from incidents.models import Service, Team

from .factories import declared, resolved


def test_team_list_counts_members_services_and_open_incidents(alice_client, alice, checkout):
    declared(reporter=alice, service=checkout)
    response = alice_client.get("/teams/")
    payments = next(t for t in response.context["page"].object_list if t.slug == "payments")
    assert (payments.member_count, payments.service_count, payments.open_incident_count) == (
        1,
        1,
        1,
    )


def test_team_counts_do_not_multiply_each_other(
    alice_client, alice, bob, carol, payments, checkout
):
    payments.members.add(bob, carol)
    Service.objects.create(name="Wallet", slug="wallet", team=payments)
    for n in range(4):
        declared(reporter=alice, service=checkout, title=f"Open {n}")
    resolved(reporter=alice, service=checkout)
    response = alice_client.get("/teams/")
    team = next(t for t in response.context["page"].object_list if t.slug == "payments")
    assert (team.member_count, team.service_count, team.open_incident_count) == (3, 2, 4)
    platform = next(t for t in response.context["page"].object_list if t.slug == "platform")
    assert (platform.member_count, platform.service_count, platform.open_incident_count) == (
        1,
        0,
        0,
    )


def test_team_page_shows_its_services_members_and_open_incidents(alice_client, alice, checkout):
    declared(reporter=alice, service=checkout, title="Card declines")
    response = alice_client.get("/teams/payments/")
    assert response.status_code == 200
    for text in ["Payments", "Checkout", "Alice", "Card declines"]:
        assert text in response.text


def test_unknown_team_is_404(alice_client):
    assert alice_client.get("/teams/nope/").status_code == 404


@pytest.mark.parametrize("count", [2, 120])
def test_team_and_service_lists_cost_the_same_queries_at_any_size(
    alice_client, django_assert_max_num_queries, count
):
    teams = Team.objects.bulk_create(Team(name=f"Team {n}", slug=f"team-{n}") for n in range(count))
    Service.objects.bulk_create(
        Service(name=f"Service {n}", slug=f"service-{n}", team=teams[n]) for n in range(count)
    )
    with django_assert_max_num_queries(5):
        assert alice_client.get("/teams/").status_code == 200
    with django_assert_max_num_queries(5):
        assert alice_client.get("/services/").status_code == 200


def test_service_list_shows_the_owning_team_and_tier(alice_client, checkout):
    response = alice_client.get("/services/")
    assert "Tier 1 — critical" in response.text
    assert 'href="/teams/payments/"' in response.text
