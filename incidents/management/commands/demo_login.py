import secrets

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from incidents.models import Team


class Command(BaseCommand):
    help = "Create (or reset) the demo login for a local demo and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, username, url, **options):
        # A fresh random password each time: `make run` prints it, and nothing else knows it.
        password = secrets.token_urlsafe(9)
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": "Demo", "last_name": "Responder"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        if team := Team.objects.order_by("name").first():
            team.members.add(user)
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Debrief is starting at {url}\n"
                f"  Log in as   user: {username}   password: {password}\n"
            )
        )
