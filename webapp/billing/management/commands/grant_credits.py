"""Give a user free credits (goodwill, support cases), written to the ledger like any grant."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webapp.billing.selectors import credits_balance
from webapp.billing.services import credits_grant
from webapp.billing.wording import credits_text


class Command(BaseCommand):
    help = "Grant credits to a user and print the new balance."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("amount", type=int)
        parser.add_argument("--reason", required=True, help="Why, for the ledger.")

    def handle(self, *args, username: str, amount: int, reason: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if amount <= 0:
            raise CommandError("The amount must be a positive number of credits.")
        credits_grant(user=user, amount=amount, reason=reason[:200], reference="")
        self.stdout.write(f"{username} now has {credits_text(credits_balance(user=user))}.")
