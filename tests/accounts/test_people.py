"""Organisation roles: every account has one, admins assign them on /people/, and the
organisation always keeps an admin."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Profile, Role
from accounts.services import profile_set_role
from debrief.permissions import role_of


@pytest.fixture
def ada(db):
    user = User.objects.create_user("ada", "ada@example.org", "ada-password")
    Profile.objects.filter(user=user).update(role=Role.ADMIN)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def ada_client(ada, client):
    client.force_login(ada)
    return client


def test_a_new_account_is_a_team_member_and_a_new_staff_account_an_admin(db):
    assert User.objects.create_user("newcomer").profile.role == Role.MEMBER
    assert User.objects.create_user("operator", is_staff=True).profile.role == Role.ADMIN


def test_the_migration_gives_existing_accounts_a_profile(db, dave, alice):
    Profile.objects.all().delete()
    migration = importlib.import_module("accounts.migrations.0002_profiles_for_existing_users")
    migration.create_profiles(apps, None)
    assert Profile.objects.get(user=dave).role == Role.ADMIN
    assert Profile.objects.get(user=alice).role == Role.MEMBER


def test_the_role_is_read_once_per_user_object(alice, django_assert_num_queries):
    user = User.objects.get(pk=alice.pk)
    with django_assert_num_queries(1):
        assert role_of(user) == Role.MEMBER
        assert role_of(user) == Role.MEMBER


def test_staff_are_admins_whatever_their_profile_says(dave):
    Profile.objects.filter(user=dave).update(role=Role.VIEWER)
    assert role_of(User.objects.get(pk=dave.pk)) == Role.ADMIN


def test_the_people_page_lists_everyone_with_role_and_teams(ada_client, alice, bob, erin):
    response = ada_client.get("/people/")
    assert response.status_code == 200
    row = response.text.split(f'id="person-{alice.pk}"')[1].split("</tr>")[0]
    assert "Payments" in row and "Team member" in row
    assert "Manager" in response.text.split(f'id="person-{erin.pk}"')[1].split("</tr>")[0]


@pytest.mark.parametrize("extra_people", [2, 40])
def test_the_people_page_costs_the_same_queries_for_any_number(
    ada_client, payments, django_assert_max_num_queries, extra_people
):
    for number in range(extra_people):
        payments.members.add(User.objects.create_user(f"person{number}"))
    with django_assert_max_num_queries(7):
        assert ada_client.get("/people/").status_code == 200


@pytest.mark.parametrize("client_name", ["alice_client", "erin_client", "vic_client"])
def test_only_admins_see_the_people_page(request, client_name):
    assert request.getfixturevalue(client_name).get("/people/").status_code == 403


def test_an_admin_changes_a_role(ada_client, alice):
    response = ada_client.post(f"/people/{alice.pk}/role/", {"role": "viewer"}, follow=True)
    assert "alice is now Viewer." in response.text
    assert Profile.objects.get(user=alice).role == Role.VIEWER


def test_a_member_cannot_change_a_role(alice_client, bob):
    assert alice_client.post(f"/people/{bob.pk}/role/", {"role": "admin"}).status_code == 403
    assert Profile.objects.get(user=bob).role == Role.MEMBER


def test_the_last_admin_cannot_be_demoted(ada_client, ada):
    response = ada_client.post(f"/people/{ada.pk}/role/", {"role": "member"})
    assert response.status_code == 422
    assert "last organisation admin" in response.text
    assert Profile.objects.get(user=ada).role == Role.ADMIN


def test_an_admin_can_be_demoted_while_another_remains(ada, dave):
    profile_set_role(profile=ada.profile, role=Role.MANAGER, by=dave)
    assert Profile.objects.get(user=ada).role == Role.MANAGER


def test_an_inactive_admin_does_not_count_as_the_remaining_one(ada):
    other = User.objects.create_user("grace", is_active=False)
    Profile.objects.filter(user=other).update(role=Role.ADMIN)
    with pytest.raises(ValidationError):
        profile_set_role(profile=ada.profile, role=Role.MEMBER, by=ada)


def test_only_an_admin_may_set_roles(alice, bob):
    with pytest.raises(PermissionDenied):
        profile_set_role(profile=bob.profile, role=Role.ADMIN, by=alice)
