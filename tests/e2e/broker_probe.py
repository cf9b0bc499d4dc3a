"""Send messages from 8 threads while another process polls the broker; print what arrived.

Run as `python -m tests.e2e.broker_probe COUNT PAYLOAD_BYTES` in the environment under test:
it uses the Celery app's own broker settings. It prints one JSON line, from the consumer:
{"received": <messages that arrived whole>, "errors": [<errors while receiving>]}.
"""

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from kombu import Exchange, Queue

from workers.celery import app

QUEUE = Queue("probe", Exchange("probe", type="direct"), routing_key="probe")


def consume(count: int) -> None:
    """Receive until `count` messages arrived or failed, polling as fast as a worker can."""
    received, errors = set(), []

    def on_message(body: dict, message) -> None:
        received.add(body["i"])
        message.ack()

    with (
        app.connection_for_read(transport_options={"polling_interval": 0.0005}) as connection,
        connection.Consumer(QUEUE, callbacks=[on_message]),
    ):
        print("ready", flush=True)
        deadline = time.monotonic() + 60
        while len(received) + len(errors) < count and time.monotonic() < deadline:
            try:
                connection.drain_events(timeout=0.2)
            except TimeoutError:
                pass
            except Exception as exc:  # what a worker would log, and lose the message
                errors.append(type(exc).__name__)
    print(json.dumps({"received": len(received), "errors": errors}))


def send(count: int, payload_bytes: int) -> None:
    """Start a consumer process, then send `count` messages from 8 threads."""
    with app.connection_for_write() as connection:
        QUEUE(connection.default_channel).declare()
    consumer = subprocess.Popen(
        [sys.executable, "-m", __spec__.name, "consume", str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert consumer.stdout.readline() == "ready\n", "the consumer did not start"
    padding = "x" * payload_bytes

    def one(i: int) -> None:
        with app.connection_for_write() as connection:
            connection.Producer().publish(
                {"i": i, "padding": padding},
                exchange=QUEUE.exchange,
                routing_key="probe",
                declare=[QUEUE],
            )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(count)))
    print(consumer.stdout.read(), end="")
    sys.exit(consumer.wait())


if __name__ == "__main__":
    if sys.argv[1] == "consume":
        consume(int(sys.argv[2]))
    else:
        send(int(sys.argv[1]), int(sys.argv[2]))
