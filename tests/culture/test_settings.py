"""CULTURE_MIN_RESPONSES: five by default, and never below three."""

from tests.debrief.processes import manage, settings_values


def test_debrief_refuses_to_start_with_a_threshold_below_three():
    result = manage("check", CULTURE_MIN_RESPONSES="2")

    assert result.returncode != 0
    assert "CULTURE_MIN_RESPONSES must be at least 3, not 2" in result.stderr


def test_the_threshold_comes_from_the_environment():
    values = settings_values("CULTURE_MIN_RESPONSES", CULTURE_MIN_RESPONSES="7")

    assert values["CULTURE_MIN_RESPONSES"] == 7
    assert settings_values("CULTURE_MIN_RESPONSES")["CULTURE_MIN_RESPONSES"] == 5
