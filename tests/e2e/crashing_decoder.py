"""A worker whose decoder crashes (SIGSEGV) on 5-channel files, as a C decoder bug would.

Used as the start_worker fixture's launcher: `celery` as usual, with the crash installed
in every pool process. Kept free of Django imports so `python -c` can load it first.
"""

import os
import signal
import sys

# A launcher for the start_worker fixture.
CRASHING_DECODER_WORKER = [
    sys.executable, "-c", "from tests.e2e.crashing_decoder import main; main()"
]  # fmt: skip
CRASH_CHANNELS = 5


def main() -> None:
    """Run `celery` (arguments as usual) with the crashing decoder in every pool process."""
    from celery.__main__ import main as celery_main
    from celery.signals import worker_process_init

    worker_process_init.connect(_install, weak=False)
    celery_main()


def _install(**kwargs) -> None:
    from separation import audio

    real = audio._check_header

    def check_header(info, max_duration):
        if info.channels == CRASH_CHANNELS:
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(info, max_duration)

    audio._check_header = check_header
