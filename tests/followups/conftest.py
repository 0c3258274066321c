import pytest

from incidents import services as incident_services


@pytest.fixture
def incident(alice, checkout):
    return incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
