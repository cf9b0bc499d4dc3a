"""The size limit is enforced from the declared length before the body is read."""

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import ValidationError

from webapp.jobs.uploads import SizeLimitUploadHandler


def test_a_declared_length_over_the_limit_is_refused_before_reading(settings):
    settings.STEMWORKS_MAX_UPLOAD_BYTES = 1024 * 1024
    handler = SizeLimitUploadHandler(RequestFactory().post("/"))

    with pytest.raises(ValidationError, match="1 MB limit"):
        handler.handle_raw_input(None, {}, 50 * 1024 * 1024, b"boundary")


def test_the_bytes_of_a_file_are_counted_as_they_arrive(settings):
    settings.STEMWORKS_MAX_UPLOAD_BYTES = 1024 * 1024
    handler = SizeLimitUploadHandler(RequestFactory().post("/"))
    handler.new_file("file", "song.wav", "audio/wav", None)

    assert handler.receive_data_chunk(b"x" * 1024 * 1024, 0) == b"x" * 1024 * 1024
    with pytest.raises(ValidationError):
        handler.receive_data_chunk(b"x", 1024 * 1024)
