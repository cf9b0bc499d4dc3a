"""Where a job's files live in storage: the one place that knows the `jobs/<id>/` layout."""

from pathlib import PurePath

from django.core.files.storage import default_storage


def job_folder(job_id: object) -> str:
    """Return the folder holding a job's upload and stems."""
    return f"jobs/{job_id}"


def input_name(job_id: object, filename: str) -> str:
    """Return the upload's name: a fixed name with the original suffix (lower case)."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"{job_folder(job_id)}/input{suffix}"


def stems_folder(job_id: object) -> str:
    """Return the folder holding a job's stems, every format of each."""
    return f"{job_folder(job_id)}/stems"


def attempt_folder(job_id: object, attempt: int) -> str:
    """Return the folder of the stems one attempt stores, e.g. `jobs/<id>/stems/2`.

    Each attempt writes only in its own folder, so a failed or lost attempt's files (even
    a half-written one) can be deleted whole without touching another attempt's.
    """
    return f"{stems_folder(job_id)}/{attempt}"


def stem_name(job_id: object, stem: str, suffix: str, attempt: int) -> str:
    """Return the name of one stored copy of a stem, e.g. `jobs/<id>/stems/1/vocals.flac`.

    `suffix` is the copy's file ending: `flac`, or `listen.mp3` for the listening copy.
    """
    return f"{attempt_folder(job_id, attempt)}/{stem}.{suffix}"


def delete_other_attempts(job_id: object, attempt: int) -> int:
    """Delete what earlier (lost) attempts left in a job's stems folder; return files deleted."""
    try:
        folders, _ = default_storage.listdir(stems_folder(job_id))
    except FileNotFoundError:
        return 0
    keep = str(attempt)
    return sum(delete_tree(f"{stems_folder(job_id)}/{f}") for f in folders if f != keep)


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
