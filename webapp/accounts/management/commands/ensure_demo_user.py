"""Create the demo login `make run` prints, so a fresh install can be tried at once."""

from django.conf import settings
from django.core.management.base import BaseCommand

from webapp.accounts.services import demo_user_ensure


class Command(BaseCommand):
    help = "Create (or reset) the demo user and print its login and API token."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-password")

    def handle(self, *args, username: str, password: str, **options) -> None:
        _, token = demo_user_ensure(username=username, password=password)
        self.stdout.write(
            f"Stemworks is at {settings.SITE_URL}/  (API docs: {settings.SITE_URL}/api/docs/)\n"
            f"Demo login: {username} / {password}\n"
            f"API token:  {token}"
        )
