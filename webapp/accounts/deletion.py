"""Delete an account: its files and personal data go, the money records stay without the user.

What goes: every job (a running one is cancelled first, so its worker keeps nothing) with
its upload, stems, ratings and share links; API tokens; sessions; the e-mail address and
the user row. What stays, for the accounts: ledger rows and payments, with the user
detached and only the former account id (`former_user_id`) to group them. A charge's
reason names the song, so it is replaced by a neutral one.
"""

import logging

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from webapp.billing.models import CreditTransaction, Payment, TransactionKind
from webapp.errors import FieldErrors
from webapp.jobs.models import Job
from webapp.jobs.services import job_delete

log = logging.getLogger(__name__)

CHARGE_REASON_AFTER_DELETION = "Separation (account deleted)"


class DeletionRefused(FieldErrors):
    """The account cannot be deleted this way; `errors` maps fields to reasons."""


def account_delete(*, user, password: str) -> None:
    """Delete `user` and everything of theirs after checking their current password."""
    if not password or not user.check_password(password):
        raise DeletionRefused({"password": ["This is not your current password."]})
    account_remove(user=user)


def account_remove(*, user) -> None:
    """Delete `user` and everything of theirs, keeping the money records (staff, admin)."""
    user_id = user.pk
    with transaction.atomic():
        for job in Job.objects.filter(owner=user).order_by("created_at"):
            # Cancels an active job (refunded like any cancellation) and deletes its files
            # once this transaction commits; uploads shared by two jobs go with the last.
            job_delete(job=job)
        CreditTransaction.objects.filter(user=user, kind=TransactionKind.CHARGE).update(
            reason=CHARGE_REASON_AFTER_DELETION
        )
        CreditTransaction.objects.filter(user=user).update(user=None, former_user_id=user_id)
        Payment.objects.filter(user=user).update(
            user=None, former_user_id=user_id, updated_at=timezone.now()
        )
        _sessions_delete(user_id)
        user.delete()
    log.info("account %s deleted", user_id)


def _sessions_delete(user_id: object) -> None:
    # Sessions are stored by key, not by user: decode the live ones to find the user's.
    # A session of a deleted user no longer logs anyone in; this removes their data too.
    live = Session.objects.filter(expire_date__gt=timezone.now())
    keys = [
        session.session_key
        for session in live.iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id)
    ]
    Session.objects.filter(session_key__in=keys).delete()
