"""A worker whose decoder crashes (SIGSEGV) on 5-channel files, as a C decoder bug would.

Used as the start_worker fixture's launcher: `celery` as usual, with the crash installed
in every pool process. Kept free of Django imports so `python -c` can load it first.
"""

import os
import signal

from tests.e2e.launcher import launcher

# A launcher for the start_worker fixture.
CRASHING_DECODER_WORKER = launcher("tests.e2e.crashing_decoder", "install")
CRASH_CHANNELS = 5


def install(**kwargs) -> None:
    from separation import audio

    real = audio._check_header

    def check_header(info, max_duration):
        if info.channels == CRASH_CHANNELS:
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(info, max_duration)

    audio._check_header = check_header
