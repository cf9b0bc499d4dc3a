"""Refuse an upload over the size limit while it streams in, not after it is all on disk."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework.exceptions import ValidationError

# Room for the multipart boundaries and the small form fields around the file.
_FORM_OVERHEAD = 64 * 1024


def too_large_message(limit: int) -> str:
    return f"The file is larger than the {limit // (1024 * 1024)} MB limit."


class SizeLimitUploadHandler(FileUploadHandler):
    """Count the bytes of each uploaded file and stop at STEMWORKS_MAX_UPLOAD_BYTES."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = settings.STEMWORKS_MAX_UPLOAD_BYTES
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A declared length already over the limit is refused before reading anything.
        if content_length and content_length > self.limit + _FORM_OVERHEAD:
            raise ValidationError({"file": [too_large_message(self.limit)]})

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise ValidationError({"file": [too_large_message(self.limit)]})
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
