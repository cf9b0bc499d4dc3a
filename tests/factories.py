"""Factories for test data: users, tokens, jobs, stems and little WAV files."""

import io

import factory
import numpy as np
import soundfile as sf
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from webapp.jobs.models import Job, Kind, Status, Stem

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


class StemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stem

    job = factory.SubFactory(JobFactory, status=Status.SUCCEEDED)
    name = "vocals"
    format = "wav"
    duration = 1.0
    file = factory.LazyAttribute(lambda s: ContentFile(wav_bytes(s.duration), name=f"{s.name}.wav"))
    size = factory.LazyAttribute(lambda s: s.file.size)


def succeeded_job(owner, *, names=("vocals", "accompaniment"), seconds: float = 1.0) -> Job:
    """Return a finished job of `owner` with a stored WAV stem per name."""
    job = JobFactory(owner=owner, status=Status.SUCCEEDED, finished_at=timezone.now())
    for name in names:
        StemFactory(job=job, name=name, duration=seconds)
    return job


def charged_job(owner, *, cost: int = 2, factory=JobFactory, **fields) -> Job:
    """Return a full job of `owner` whose `cost` credits were taken from the ledger."""
    from webapp.billing.services import credits_charge

    job = factory(owner=owner, kind=Kind.FULL, cost=cost, **fields)
    credits_charge(user=owner, amount=cost, reason="test job", job=job)
    return job
