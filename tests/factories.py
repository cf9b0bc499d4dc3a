"""Factories for test data: users, tokens, jobs, stems and little WAV files."""

import io
import json

import factory
import numpy as np
import soundfile as sf
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from separation import audio
from separation.peaks import PeaksAccumulator
from webapp.jobs.models import Job, Kind, Status, Stem, StemFile
from webapp.jobs.stem_files import STEM_FORMATS

RATE = 44100
# The name of the API token behind the owner_api, other_api and staff_api clients.
TEST_CLIENT_TOKEN = "test client"


def tone(seconds: float = 1.0, *, freq: float = 440.0, rate: int = RATE, channels: int = 2):
    """Return (channels, n) float32 of a quiet sine, different on each channel."""
    t = np.arange(int(seconds * rate)) / rate
    rows = [0.25 * np.sin(2 * np.pi * freq * (1 + c / 2) * t) for c in range(channels)]
    return np.asarray(rows, dtype=np.float32)


def wav_bytes(seconds: float = 1.0, *, rate: int = RATE, channels: int = 2) -> bytes:
    """Return a complete 16-bit WAV file of a tone."""
    buffer = io.BytesIO()
    sf.write(buffer, tone(seconds, rate=rate, channels=channels).T, rate, format="WAV")
    return buffer.getvalue()


def wav_upload(name: str = "song.wav", seconds: float = 1.0, **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, wav_bytes(seconds, **kwargs), content_type="audio/wav")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


def paying_user(user, *, credits: int = 0):
    """Verify the user's e-mail address and grant them `credits`."""
    from webapp.accounts.models import EmailVerification
    from webapp.billing.services import credits_grant

    EmailVerification.objects.update_or_create(
        user=user, defaults={"email": user.email, "verified_at": timezone.now()}
    )
    if credits:
        credits_grant(user=user, amount=credits, reason="test credits")
    return user


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    owner = factory.SubFactory(UserFactory)
    original_name = "song.wav"
    duration = 1.0
    input_duration = factory.SelfAttribute("duration")
    model = "unet-2stems"
    target = "all"
    kind = Kind.FULL
    status = Status.QUEUED
    queued_at = factory.LazyFunction(timezone.now)
    input_file = factory.django.FileField(filename="song.wav", data=factory.LazyFunction(wav_bytes))


class RunningJobFactory(JobFactory):
    status = Status.RUNNING
    started_at = factory.LazyFunction(timezone.now)
    heartbeat_at = factory.LazyFunction(timezone.now)
    attempts = 1


def stem_file_bytes(fmt: str, seconds: float = 1.0, *, rate: int = RATE) -> bytes:
    """Return a tone stored as the worker stores the stem copy `fmt` (16-bit for WAV)."""
    stored = STEM_FORMATS[fmt]
    if stored.codec == "wav":
        return wav_bytes(seconds, rate=rate)
    samples = tone(seconds, rate=rate)
    return audio.encode_audio(
        samples, rate, stored.codec, wav_depth="24", mp3_bitrate=stored.mp3_bitrate
    )


def peaks_bytes(seconds: float = 1.0, *, rate: int = RATE) -> bytes:
    """Return the waveform peaks JSON the worker stores for a tone of `seconds`."""
    peaks = PeaksAccumulator(rate)
    peaks.add(tone(seconds, rate=rate))
    return json.dumps(peaks.waveform()).encode()


class StemFactory(factory.django.DjangoModelFactory):
    """A stem stored in `formats` (default: only WAV, as jobs stored before every format).

    `with_peaks=True` stores its waveform peaks too, as the worker does since it makes them.
    """

    class Meta:
        model = Stem
        skip_postgeneration_save = True

    job = factory.SubFactory(JobFactory, status=Status.SUCCEEDED)
    name = "vocals"
    duration = 1.0

    @factory.post_generation
    def formats(stem, create, extracted, **kwargs):
        for fmt in ("wav",) if extracted is None else extracted:
            StemFileFactory(stem=stem, format=fmt)

    @factory.post_generation
    def with_peaks(stem, create, extracted, **kwargs):
        if extracted:
            stem.peaks.save(f"{stem.name}.peaks.json", ContentFile(peaks_bytes(stem.duration)))


class StemFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StemFile

    stem = factory.SubFactory(StemFactory, formats=())
    format = "wav"
    sample_rate = RATE
    file = factory.LazyAttribute(
        lambda f: ContentFile(
            stem_file_bytes(f.format, f.stem.duration),
            name=STEM_FORMATS[f.format].filename(f.stem.name),
        )
    )
    size = factory.LazyAttribute(lambda f: f.file.size)


def succeeded_job(
    owner,
    *,
    names=("vocals", "accompaniment"),
    seconds: float = 1.0,
    formats=("wav",),
    with_peaks: bool = False,
) -> Job:
    """Return a finished job of `owner` with each stem stored in `formats` (and its peaks)."""
    job = JobFactory(owner=owner, status=Status.SUCCEEDED, finished_at=timezone.now())
    for name in names:
        StemFactory(job=job, name=name, duration=seconds, formats=formats, with_peaks=with_peaks)
    return job


def charged_job(owner, *, cost: int = 2, factory=JobFactory, **fields) -> Job:
    """Return a full job of `owner` whose `cost` credits were taken from the ledger."""
    from webapp.billing.services import credits_charge

    job = factory(owner=owner, kind=Kind.FULL, cost=cost, **fields)
    credits_charge(user=owner, amount=cost, reason="test job", job=job)
    return job


class PaymentFactory(factory.django.DjangoModelFactory):
    """A paid checkout of a pack (pass status= and paid_at= for others)."""

    class Meta:
        model = "billing.Payment"

    user = factory.SubFactory(UserFactory)
    pack = "small"
    credits = 10
    amount = 500
    currency = "eur"
    status = "paid"
    paid_at = factory.LazyFunction(timezone.now)


class JobFeedbackFactory(factory.django.DjangoModelFactory):
    """A rating of a finished job by its owner; `thumbs={"vocals": True}` adds stem thumbs."""

    class Meta:
        model = "feedback.JobFeedback"
        skip_postgeneration_save = True

    job = factory.SubFactory(JobFactory, status=Status.SUCCEEDED)
    user = factory.SelfAttribute("job.owner")
    rating = 5
    comment = ""

    @factory.post_generation
    def thumbs(feedback, create, extracted, **kwargs):
        for stem, up in (extracted or {}).items():
            feedback.stems.create(stem=stem, thumbs_up=up)
