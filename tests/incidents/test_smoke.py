from incidents import services


def test_pages_render(alice_client, alice, checkout):
    incident = services.incident_declare(
        title="Checkout 500s", severity=2, services=[checkout], reporter=alice
    )
    for url in [
        "/incidents/",
        f"/incidents/{incident.pk}/",
        f"/incidents/{incident.pk}/edit/",
        "/incidents/declare/",
        "/teams/",
        "/teams/payments/",
        "/services/",
        "/services/checkout/",
        "/deployments/record/",
    ]:
        response = alice_client.get(url)
        assert response.status_code == 200, url
