"""Which stored file serves a stem in a given format."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from separation import audio
from separation.errors import InvalidOptions
from webapp.jobs import layout
from webapp.jobs.models import Stem


def stem_file_name(*, stem: Stem, fmt: str) -> str:
    """Return the storage name of a stem in `fmt`, encoding (and keeping) it on first request."""
    if fmt == stem.format:
        return stem.file.name
    if fmt not in audio.OUTPUT_FORMATS:
        raise InvalidOptions(
            f"Unknown format {fmt!r}; choose one of: {', '.join(audio.OUTPUT_FORMATS)}."
        )
    name = layout.stem_name(stem.job_id, stem.name, fmt)
    if not default_storage.exists(name):
        with stem.file.open("rb") as source:
            decoded = audio.read_audio(source)
        # 24-bit FLAC keeps what 16 bits would lose of a float stem.
        content = audio.encode_audio(decoded.samples, decoded.sample_rate, fmt, wav_depth="24")
        # Two requests may race here; the loser's copy gets another name and the winner's is used.
        name = default_storage.save(name, ContentFile(content))
    return name
