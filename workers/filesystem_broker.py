"""kombu's filesystem transport with atomic sends: the broker of the embedded default.

kombu writes a message straight into the queue folder, so a worker that polls at that
moment takes the still-empty file, fails to decode it and the job is never run
(celery/kombu#1551). Here a message is written under a name the consumer skips, then
renamed into place, which is atomic on one filesystem.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict, **kwargs) -> None:
        """Put a message on `queue`: whole, or not at all."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        # The consumer takes only names ending in ".<queue>.msg"; this one it leaves alone.
        partial = path + ".part"
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, path)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {path!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
