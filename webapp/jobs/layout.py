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


def stem_name(job_id: object, stem: str, suffix: str) -> str:
    """Return the name of one stored copy of a stem, e.g. `jobs/<id>/stems/vocals.flac`.

    `suffix` is the copy's file ending: `flac`, or `listen.mp3` for the listening copy.
    """
    return f"{stems_folder(job_id)}/{stem}.{suffix}"


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
