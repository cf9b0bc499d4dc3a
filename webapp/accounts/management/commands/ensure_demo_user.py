"""Create the demo login `make run` prints, so a fresh install can be tried at once."""

from django.core.management.base import BaseCommand

from webapp.accounts.links import site_url
from webapp.accounts.services import demo_user_ensure


class Command(BaseCommand):
    help = "Create (or reset) the demo user and print its login and API token."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-password")

    def handle(self, *args, username: str, password: str, **options) -> None:
        _, token = demo_user_ensure(username=username, password=password)
        site = site_url()
        self.stdout.write(
            f"Stemworks is at {site}/  (API docs: {site}/api/docs/)\n"
            f"Demo login: {username} / {password}\n"
            f"API token:  {token}"
        )
