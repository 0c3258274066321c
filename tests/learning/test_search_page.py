"""The search page's filters: every team and service offered, the chosen ones kept."""

from django.urls import reverse

from incidents.models import Team


def test_the_chosen_team_and_service_stay_selected(alice_client, payments, checkout, search):
    Team.objects.create(name="R&D <tools>", slug="r-and-d")

    response = alice_client.get(
        reverse("learning:search"), {"q": "outage", "team": "payments", "service": "checkout"}
    )

    html = response.content.decode()
    assert '<select name="team" id="id_team">' in html
    assert (
        '<option value="">All</option><option value="payments" selected>Payments</option>' in html
    )
    assert '<option value="platform">Platform</option>' in html
    assert '<option value="r-and-d">R&amp;D &lt;tools&gt;</option>' in html
    assert '<option value="checkout" selected>Checkout</option>' in html
    assert '<option value="search">Search</option>' in html


def test_an_unknown_team_is_refused_and_nothing_is_searched(alice_client, payments):
    response = alice_client.get(reverse("learning:search"), {"q": "outage", "team": "nobody"})

    html = response.content.decode()
    assert "Select a valid choice" in html
    assert 'class="search-hit"' not in html
    assert '<option value="payments">Payments</option>' in html
