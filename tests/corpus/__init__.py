"""A generated corpus of uploads: malformed ones to refuse, unusual valid ones to accept.

Everything is built in memory from seeds and fixed signals, the same on every run; no
audio file is committed. `malformed.cases()` and `unusual.cases()` return `Case`s.
"""

from __future__ import annotations

from dataclasses import dataclass

# The duration limit the corpus is built around: the tests set it on the web app and the
# worker, so "exactly at the limit" and "an hour past it" stay cheap to decode.
LIMIT_S = 4.0


@dataclass(frozen=True)
class Case:
    """One upload: a unique id, the name it is uploaded under, and its bytes."""

    id: str
    filename: str
    data: bytes
