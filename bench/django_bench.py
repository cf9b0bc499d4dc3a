"""Set up Django on the PostgreSQL database a bench may fill, with a throwaway media folder."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_on_postgres(prefix: str) -> Path | None:
    """Migrate DATABASE_URL (PostgreSQL only) and return a fresh media folder, or None with a
    message when DATABASE_URL is not PostgreSQL."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL database the bench may fill.", file=sys.stderr)
        return None
    media = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["STEMWORKS_MEDIA_ROOT"] = str(media)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return media


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages, to read the figures beside."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
