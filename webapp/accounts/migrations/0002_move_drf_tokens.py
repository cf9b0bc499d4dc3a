"""Move DRF's plain-text account tokens into hashed, named ApiTokens and drop their table.

`rest_framework.authtoken` is no longer installed, so its models are not used: the old
table is read and dropped with raw SQL, and only where it exists (a fresh database never
had it). Each key keeps working, found by its SHA-256 like any other named token.
"""

import datetime
import hashlib

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

OLD_TABLE = "authtoken_token"
MIGRATED_NAME = "account token (migrated)"


def _aware(value) -> datetime.datetime:
    # Raw SQL on SQLite gives text or a naive datetime, stored in UTC.
    when = parse_datetime(value) if isinstance(value, str) else value
    return timezone.make_aware(when, datetime.UTC) if timezone.is_naive(when) else when


def move_drf_tokens(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    table = schema_editor.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {schema_editor.quote_name('key')}, user_id, created FROM {table}")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        key_hash = hashlib.sha256(key.encode()).hexdigest()
        if ApiToken.objects.filter(key_hash=key_hash).exists():
            continue
        token = ApiToken.objects.create(
            user_id=user_id, name=MIGRATED_NAME, prefix=key[:8], key_hash=key_hash
        )
        ApiToken.objects.filter(id=token.id).update(created_at=_aware(created))
    schema_editor.execute(f"DROP TABLE {table}")
    # Forget the old app's migrations too, so installing it again would start clean.
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    # Backwards there is nothing to restore: the plain keys are gone on purpose.
    operations = [migrations.RunPython(move_drf_tokens, migrations.RunPython.noop)]
