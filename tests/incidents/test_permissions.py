from django.contrib.auth.models import AnonymousUser

from debrief.permissions import (
    can_declare,
    can_edit,
    can_record_deployment,
    can_view,
    deployable_services,
)
from incidents.models import Deployment

from .factories import declared


def test_every_signed_in_user_may_read(alice, bob, carol, checkout):
    incident = declared(reporter=alice, service=checkout)
    assert all(can_view(user, incident) for user in (alice, bob, carol))
    assert not can_view(AnonymousUser(), incident)


def test_the_owning_team_may_change(alice, bob, carol, checkout):
    incident = declared(reporter=bob, service=checkout)
    assert can_edit(alice, incident)  # on the owning team
    assert can_edit(bob, incident)  # reported it
    assert not can_edit(carol, incident)


def test_the_commander_may_change(alice, carol, checkout):
    incident = declared(reporter=alice, service=checkout)
    incident.commander = carol
    assert can_edit(carol, incident)


def test_staff_may_change_anything(dave, alice, checkout):
    assert can_edit(dave, declared(reporter=alice, service=checkout))
    assert can_edit(dave, checkout)


def test_an_inactive_user_may_do_nothing(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    alice.is_active = False
    assert not can_view(alice, incident)
    assert not can_edit(alice, incident)


def test_services_and_teams_are_changed_by_their_team(alice, bob, checkout, payments):
    assert can_edit(alice, checkout) and can_edit(alice, payments)
    assert not can_edit(bob, checkout) and not can_edit(bob, payments)


def test_anyone_signed_in_may_declare(alice, carol):
    assert can_declare(alice) and can_declare(carol)
    assert not can_declare(AnonymousUser())


def test_deployments_are_recorded_by_the_owning_team_and_staff(alice, bob, dave, checkout, search):
    assert can_record_deployment(alice, checkout)
    assert not can_record_deployment(alice, search)
    assert can_record_deployment(dave, search)
    assert list(deployable_services(alice)) == [checkout]
    assert list(deployable_services(bob)) == [search]
    assert list(deployable_services(dave)) == [checkout, search]
    assert not deployable_services(AnonymousUser()).exists()


def test_a_deployment_belongs_to_its_services_team(alice, bob, checkout):
    deployment = Deployment.objects.create(service=checkout, version="v1")
    assert can_edit(alice, deployment)
    assert not can_edit(bob, deployment)


def test_only_team_admins_and_staff_manage_a_teams_integrations(alice, bob, carol, dave, payments):
    from debrief.permissions import can_manage_integrations

    assert not can_manage_integrations(alice, payments)  # a member, not an admin
    payments.admins.add(alice)
    assert can_manage_integrations(alice, payments)
    assert not can_manage_integrations(bob, payments)
    assert not can_manage_integrations(carol, payments)
    assert can_manage_integrations(dave, payments)
