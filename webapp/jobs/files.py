"""File housekeeping for jobs, through Django's storage API (local disk or S3 alike)."""

from django.core.files.storage import default_storage


def job_folder(job_id: object) -> str:
    return f"jobs/{job_id}"


def delete_tree(path: str) -> int:
    """Delete every file under `path` in the default storage; return how many went."""
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in files:
        default_storage.delete(f"{path}/{name}")
        deleted += 1
    for folder in folders:
        deleted += delete_tree(f"{path}/{folder}")
    return deleted
