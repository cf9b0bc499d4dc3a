"""Untrusted files are probed and decoded in a child process: its failures become refusals."""

import io
import os
import signal
import time

import numpy as np
import pytest
from audio_factories import flac_bytes, mp3_bytes, wav_bytes
from test_refusals import CORPUS, assert_plain

from separation import audio, isolated, refusals
from separation.errors import InvalidAudio


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _hoard_memory() -> bytearray:
    return bytearray(8 << 30)


def _hang() -> None:
    time.sleep(60)


@pytest.mark.parametrize("make", [wav_bytes, flac_bytes, mp3_bytes], ids=["wav", "flac", "mp3"])
def test_probe_in_a_child_finds_what_probe_finds_and_rewinds_the_file(make):
    upload = io.BytesIO(make(2.0))
    upload.seek(100)

    info = isolated.probe(upload, max_duration=600)

    assert info == audio.probe(io.BytesIO(upload.getvalue()), max_duration=600)
    assert upload.tell() == 0


def test_decoding_in_a_child_gives_the_same_writable_samples(tmp_path):
    path = tmp_path / "song.flac"
    path.write_bytes(flac_bytes(3.0, rate=48000))

    decoded = isolated.read_audio(path, max_duration=600)

    expected = audio.read_audio(path, max_duration=600)
    assert decoded.sample_rate == expected.sample_rate == audio.SAMPLE_RATE
    assert decoded.source == expected.source
    np.testing.assert_array_equal(decoded.samples, expected.samples)
    decoded.samples[:, :10] = 0.0  # the pipeline may scale in place
    assert not decoded.samples[:, :10].any()


@pytest.mark.parametrize("case", ["png", "wav-0-channels", "flac-cut-at-0.5", "text"])
def test_a_refusal_in_the_child_comes_back_with_its_sentence(case):
    with pytest.raises(InvalidAudio) as direct:
        audio.probe(io.BytesIO(CORPUS[case]), max_duration=600)

    with pytest.raises(InvalidAudio) as isolated_refusal:
        isolated.probe(io.BytesIO(CORPUS[case]), max_duration=600)

    assert str(isolated_refusal.value) == str(direct.value)
    assert_plain(str(isolated_refusal.value))


def test_a_decoder_that_crashes_becomes_a_plain_refusal_and_the_caller_lives_on():
    with pytest.raises(InvalidAudio) as refused:
        isolated.run(_crash, seconds=10, memory=256 << 20)

    assert str(refused.value) == refusals.DECODER_FAILED
    assert_plain(str(refused.value))
    assert isolated.run(lambda: 42, seconds=10, memory=256 << 20) == 42


def test_a_decoder_that_asks_for_gigabytes_is_stopped_by_the_memory_cap():
    with pytest.raises(InvalidAudio) as refused:
        isolated.run(_hoard_memory, seconds=10, memory=256 << 20)

    assert str(refused.value) == refusals.DECODER_FAILED


def test_a_decoder_that_never_ends_is_killed_at_the_time_limit():
    with pytest.raises(InvalidAudio) as refused:
        isolated.run(_hang, seconds=0.5, memory=256 << 20)

    assert str(refused.value) == refusals.DECODER_TIMEOUT
    assert_plain(str(refused.value))


def test_a_crash_inside_libsndfile_during_a_probe_is_a_refusal(monkeypatch):
    monkeypatch.setattr(audio, "_check_ending", lambda *args: _crash())

    with pytest.raises(InvalidAudio) as refused:
        isolated.probe(io.BytesIO(wav_bytes(1.0)), max_duration=600)

    assert str(refused.value) == refusals.DECODER_FAILED


def test_a_crash_while_decoding_for_the_worker_is_a_refusal(monkeypatch, tmp_path):
    monkeypatch.setattr(audio, "_decode", lambda *args: _crash())
    path = tmp_path / "song.wav"
    path.write_bytes(wav_bytes(1.0))

    with pytest.raises(InvalidAudio) as refused:
        isolated.read_audio(path, max_duration=600)

    assert str(refused.value) == refusals.DECODER_FAILED


def test_the_decoders_memory_cap_leaves_room_for_the_longest_song_allowed(tmp_path):
    path = tmp_path / "long.wav"
    path.write_bytes(wav_bytes(120.0, rate=8000, channels=1))

    decoded = isolated.read_audio(path, max_duration=130, memory=128 << 20)

    assert decoded.samples.shape == (2, 120 * audio.SAMPLE_RATE)


def test_children_are_reaped():
    for _ in range(5):
        isolated.probe(io.BytesIO(wav_bytes(0.5)), max_duration=600)

    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
