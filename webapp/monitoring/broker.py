"""The one outbound module for the broker's live state: queue depths and the workers' answers.

Every call has a short timeout, so a dead broker makes the ops page say so within about
two seconds instead of hanging. Tests patch `webapp.monitoring.broker.broker_state`.
"""

from dataclasses import dataclass

from django.conf import settings
from kombu import Connection
from kombu.exceptions import ChannelError, KombuError

from workers.celery import app
from workers.inspection import COMMAND

CONNECT_TIMEOUT_S = 0.5
# A broadcast collects replies until none came for this long: it cannot know how many
# workers there are.
REPLY_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class WorkerReport:
    """A worker as it describes itself: its name, queues, pool size, device and task ids."""

    name: str
    queues: tuple[str, ...]
    concurrency: int | None
    device: str
    task_ids: tuple[str, ...]


@dataclass(frozen=True)
class BrokerState:
    """What the broker says now; unreachable, only the error text is known."""

    reachable: bool
    error: str = ""
    depths: dict[str, int] | None = None
    workers: tuple[WorkerReport, ...] = ()


def queue_names() -> tuple[str, ...]:
    """Return the Celery queues jobs and housekeeping go to ("gpu", "default")."""
    return tuple(queue.name for queue in app.conf.task_queues)


def broker_state(*, reply_timeout: float = REPLY_TIMEOUT_S) -> BrokerState:
    """Return the queue depths and the workers online, or why the broker cannot be asked."""
    try:
        with _connect() as connection:
            depths = _depths(connection)
            workers = _workers(connection, reply_timeout)
    except (KombuError, OSError) as exc:
        return BrokerState(reachable=False, error=str(exc) or type(exc).__name__)
    return BrokerState(reachable=True, depths=depths, workers=workers)


def _connect() -> Connection:
    # The broker is read from the settings on each call (not from the app's configuration,
    # fixed at start), so a test can point the page at a broker that is not there.
    connection = app.connection_for_read(
        url=settings.CELERY_BROKER_URL,
        transport=getattr(settings, "CELERY_BROKER_TRANSPORT", None),
        connect_timeout=CONNECT_TIMEOUT_S,
        transport_options={
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "socket_connect_timeout": CONNECT_TIMEOUT_S,
            "socket_timeout": CONNECT_TIMEOUT_S + REPLY_TIMEOUT_S,
            # The filesystem broker looks for replies once a second by default: a second late.
            "polling_interval": 0.1,
        },
    )
    # One try, no waiting: kombu would otherwise retry for a long while.
    connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    return connection


def _depths(connection: Connection) -> dict[str, int]:
    depths = {}
    channel = connection.default_channel
    for name in queue_names():
        try:
            depths[name] = channel.queue_declare(queue=name, passive=True).message_count
        except ChannelError:
            # Redis keeps a queue as a list, and an empty list does not exist.
            depths[name] = 0
    return depths


def _workers(connection: Connection, timeout: float) -> tuple[WorkerReport, ...]:
    replies = app.control.broadcast(COMMAND, reply=True, timeout=timeout, connection=connection)
    reports = [_report(name, answer) for reply in replies or () for name, answer in reply.items()]
    return tuple(sorted(reports, key=lambda report: report.name))


def _report(name: str, answer: object) -> WorkerReport:
    # A worker without the command (an older release) answers {"error": "No such command"}.
    if not isinstance(answer, dict) or "error" in answer:
        return WorkerReport(name=name, queues=(), concurrency=None, device="unknown", task_ids=())
    return WorkerReport(
        name=name,
        queues=tuple(answer.get("queues") or ()),
        concurrency=answer.get("concurrency"),
        device=str(answer.get("device") or "unknown"),
        task_ids=tuple(answer.get("active") or ()),
    )
