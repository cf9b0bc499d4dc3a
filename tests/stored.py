"""What a job has in storage, for tests: every file under its stems folder, at any depth."""

from django.core.files.storage import default_storage

from webapp.jobs import layout


def stem_files_stored(job_id: object) -> list[str]:
    """Return the sorted base names of the files under a job's stems folder (all attempts)."""
    return sorted(name.rsplit("/", 1)[-1] for name in _walk(layout.stems_folder(job_id)))


def _walk(path: str) -> list[str]:
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return []
    found = [f"{path}/{name}" for name in files]
    for folder in folders:
        found += _walk(f"{path}/{folder}")
    return found
