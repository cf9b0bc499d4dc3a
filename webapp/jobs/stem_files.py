"""The copies each stem is stored as, made once by the worker, and which one serves a request.

Web processes only look files up here; they never decode or encode audio.
"""

from dataclasses import dataclass

from separation import audio
from webapp.jobs.errors import FormatNotStored, PeaksNotStored, UnknownFormat
from webapp.jobs.models import Stem, StemFile


@dataclass(frozen=True)
class StemFormat:
    """One stored copy of a stem: how the worker encodes it and how it is served."""

    key: str  # the `?format=` value and StemFile.format
    codec: str  # the encoder's format: wav, flac or mp3
    suffix: str  # the stored file's ending
    content_type: str
    mp3_bitrate: int = 320
    # A fixed rate (the listening copy); None: the stem's own rate.
    sample_rate: int | None = None

    def filename(self, stem: str) -> str:
        """Return the name a download of `stem` in this format is saved under."""
        return f"{stem}.{self.suffix}"


WAV = StemFormat("wav", "wav", "wav", audio.CONTENT_TYPES["wav"])
FLAC = StemFormat("flac", "flac", "flac", audio.CONTENT_TYPES["flac"])
MP3 = StemFormat("mp3", "mp3", "mp3", audio.CONTENT_TYPES["mp3"], mp3_bitrate=320)
# For the multitrack player: small enough to stream every stem at once.
LISTEN = StemFormat(
    "listen",
    "mp3",
    "listen.mp3",
    audio.CONTENT_TYPES["mp3"],
    mp3_bitrate=160,
    sample_rate=audio.SAMPLE_RATE,
)
STEM_FORMATS = {f.key: f for f in (WAV, FLAC, MP3, LISTEN)}
DEFAULT_FORMAT = WAV.key
LISTEN_FORMAT = LISTEN.key
# A stem's waveform peaks (audiowaveform's JSON), stored next to its copies.
PEAKS_SUFFIX = "peaks.json"
PEAKS_CONTENT_TYPE = "application/json"


def stem_format(key: str) -> StemFormat:
    """Return the stored format `key` names; UnknownFormat (400) for any other."""
    try:
        return STEM_FORMATS[key]
    except KeyError:
        raise UnknownFormat(f"Choose one of: {', '.join(STEM_FORMATS)}.") from None


def stem_file(*, stem: Stem, fmt: str) -> StemFile:
    """Return the stored copy of `stem` in `fmt`; FormatNotStored (409) when it has none."""
    stem_format(fmt)
    # Prefetched `files` answer without a query.
    for row in stem.files.all():
        if row.format == fmt:
            return row
    raise FormatNotStored(
        f"The stem {stem.name} has no {fmt} copy: the job was separated before stems were "
        f"stored in every format. Download it as {_stored_list(stem)}, or run the job again."
    )


def stem_peaks(stem: Stem) -> str:
    """Return the stored name of `stem`'s waveform peaks; PeaksNotStored (409) when it has none."""
    if not stem.peaks:
        raise PeaksNotStored(
            f"The stem {stem.name} has no waveform peaks: the job was separated before they "
            "were made. Its audio downloads as before; run the job again to get them."
        )
    return stem.peaks.name


def peaks_filename(stem: str) -> str:
    """Return the name a download of `stem`'s peaks is saved under."""
    return f"{stem}.{PEAKS_SUFFIX}"


def _stored_list(stem: Stem) -> str:
    return " or ".join(row.format for row in stem.files.all()) or "nothing"
