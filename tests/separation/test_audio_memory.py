"""Decoding holds the song once: no second full-length copy at the end."""

import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from separation.audio import read_audio


@pytest.mark.parametrize(("rate", "fmt"), [(44100, "WAV"), (48000, "FLAC")])
def test_decoding_allocates_little_more_than_the_decoded_song(tmp_path, rate, fmt):
    path = tmp_path / f"song.{fmt.lower()}"
    noise = np.random.default_rng(0).standard_normal((rate * 60, 2)) * 0.1
    sf.write(path, noise.astype(np.float32), rate, format=fmt, subtype="PCM_16")
    tracemalloc.start()
    try:
        audio = read_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert audio.samples.shape == (2, 44100 * 60)
    assert peak < 1.25 * audio.samples.nbytes
