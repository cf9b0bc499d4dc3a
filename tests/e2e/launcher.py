"""Run `celery` with a hook in every pool process: the tests' faulty workers start here.

Kept free of Django imports, so `python -c` can load it before Celery sets Django up.
"""

import sys
from collections.abc import Callable


def launcher(module: str, function: str) -> list[str]:
    """Return a start_worker launcher: `celery` whose pool processes call `module.function`."""
    code = f"from tests.e2e.launcher import run; from {module} import {function}; run({function})"
    return [sys.executable, "-c", code]


def run(hook: Callable[..., None]) -> None:
    """Run `celery` (arguments as usual) with `hook` connected to worker_process_init."""
    from celery.__main__ import main
    from celery.signals import worker_process_init

    worker_process_init.connect(hook, weak=False)
    main()
