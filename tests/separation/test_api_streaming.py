"""`Separator.separate_file` streams from disk to disk: decode, separate, encode, write.

The stems it writes equal the in-memory path's (`read_audio` then `separate`) over
several blocks, memory stays a small fraction of the decoded song, and a run that stops
halfway leaves no file behind.
"""

import copy
import tracemalloc

import numpy as np
import pytest
import soundfile as sf
import torch
from audio_factories import lame_mp3_bytes
from engine_factories import SOURCES

from separation.audio import SAMPLE_RATE, AudioWriter, read_audio
from separation.chunking import chunked_blocks
from separation.errors import InvalidAudio, SeparationCancelled
from separation.stem_output import StemWriteError
from separation.streamed_audio import StreamedAudio

UNET_BLOCK = 512 * 1024  # samples in one unet-2stems block on the CPU


def read_stems(paths):
    return {name: sf.read(path, always_2d=True)[0].T for name, path in paths.items()}


def write_file(path, mix, rate=SAMPLE_RATE, fmt="flac", repeat=1):
    """Write (2, n) float32 `mix` `repeat` times over, a block at a time, as `fmt`."""
    with AudioWriter(path, rate, fmt, wav_depth="float" if fmt == "wav" else "24") as writer:
        for _ in range(repeat):
            writer.write(mix)
    return path


@pytest.fixture(scope="module")
def long_song_path(song, tmp_path_factory):
    """About 26 s of real music as a float WAV: three of unet-2stems' blocks."""
    mix = np.ascontiguousarray(np.tile(song, (1, 3))[:, : 2 * UNET_BLOCK + 2 * SAMPLE_RATE])
    return write_file(tmp_path_factory.mktemp("long") / "long.wav", mix, fmt="wav")


# ------------------------------------------------------------- the decoded input


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("song.flac", lambda song: (song, SAMPLE_RATE, "flac")),
        ("song48k.wav", lambda song: (song, 48000, "wav")),
    ],
)
def test_streamed_audio_read_in_slices_equals_read_audio(song, tmp_path, name, make):
    mix, rate, fmt = make(song)
    path = write_file(tmp_path / name, mix, rate=rate, fmt=fmt)
    expected = read_audio(path).samples

    streamed = StreamedAudio(path)
    assert streamed.shape == expected.shape
    parts, start = [], 0
    for width in [1000, 70_000, 150_000, 3, 10**9]:  # slices across decoded blocks
        end = min(start + width, streamed.shape[1])
        parts.append(streamed[:, start:end])
        streamed.release(end - 500)
        # What a backend may still read: the samples behind its last slice, not released.
        assert np.array_equal(streamed[:, end - 500 : end], expected[:, end - 500 : end])
        start = end
    assert np.array_equal(np.concatenate(parts, axis=1), expected)


def test_streamed_audio_knows_an_mp3s_exact_length_which_its_header_only_estimates(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(lame_mp3_bytes(20.0, rate=48000))

    streamed = StreamedAudio(path)

    assert streamed.shape[1] == read_audio(path).samples.shape[1]
    assert np.array_equal(streamed[:, 0 : streamed.shape[1]], read_audio(path).samples)


def test_samples_that_were_released_cannot_be_read_again(clip_path):
    streamed = StreamedAudio(clip_path)
    streamed[:, 0:50_000]
    streamed.release(40_000)

    with pytest.raises(IndexError, match="released"):
        streamed[:, 39_999:45_000]
    assert streamed[:, 40_000:40_010].shape == (2, 10)


def test_a_file_longer_than_max_duration_is_refused_before_any_work(tmp_path, song):
    path = write_file(tmp_path / "long.flac", song, repeat=4)  # about 44 s

    with pytest.raises(InvalidAudio, match="the maximum is 0:30 min"):
        StreamedAudio(path, max_duration=30)


# ---------------------------------------------------------------- the stems written


def test_unet_stems_written_from_a_multi_block_file_equal_the_in_memory_ones(
    unet, long_song_path, tmp_path
):
    expected = unet.separate(read_audio(long_song_path).samples)
    seen: list[float] = []

    paths = unet.separate_file(long_song_path, tmp_path, wav_depth="float", progress=seen.append)

    assert list(paths) == ["vocals", "accompaniment"]
    for name, stem in read_stems(paths).items():
        assert np.abs(stem - expected[name]).max() < 1e-5
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accompaniment.wav", "vocals.wav"]


def test_htdemucs_stems_written_chunk_by_chunk_equal_the_in_memory_ones(
    htdemucs, htdemucs_all, clip_path, tmp_path
):
    paths = htdemucs.separate_file(clip_path, tmp_path, wav_depth="float")

    for name, stem in read_stems(paths).items():
        assert np.abs(stem - htdemucs_all[name]).max() < 1e-5


def test_a_target_in_flac_keeps_the_in_memory_stems_within_16_bit(unet, long_song_path, tmp_path):
    expected = unet.separate(read_audio(long_song_path).samples, "vocals")

    paths = unet.separate_file(long_song_path, tmp_path, target="vocals", fmt="flac")

    assert sorted(paths) == ["no_vocals", "vocals"]
    for name, stem in read_stems(paths).items():
        peak = max(np.abs(s).max() for s in expected.values())
        gain = 0.999 / peak if peak > 1 else 1.0
        assert np.abs(stem - np.clip(expected[name] * gain, -1, 1)).max() < 1e-4


class QuarterEach:
    """A stand-in for a model: each source gets a quarter of the mix, through the real
    chunked inference, so the streaming costs no model time."""

    stems = tuple(SOURCES)
    sums_to_mix = False

    def separate_blocks(self, mix, progress=None):
        def model(batch: torch.Tensor) -> torch.Tensor:
            return batch.unsqueeze(1).expand(-1, len(self.stems), -1, -1) / len(self.stems)

        chunks = chunked_blocks(model, mix, sources=4, segment=SAMPLE_RATE, progress=progress)
        for start, out in chunks:
            yield start, {stem: out[i] for i, stem in enumerate(self.stems)}


@pytest.fixture
def quick(htdemucs):
    """The htdemucs separator with its model swapped for `QuarterEach`."""
    separator = copy.copy(htdemucs)
    separator.backend = QuarterEach()
    return separator


def test_memory_stays_a_small_fraction_of_a_five_minute_song(quick, song, tmp_path):
    path = write_file(tmp_path / "five.flac", np.tile(song, (1, 3)), repeat=10)  # 5:27
    decoded = 2 * 4 * sf.info(path).frames  # bytes of the whole song as float32 stereo

    tracemalloc.start()
    try:
        paths = quick.separate_file(path, tmp_path / "out", target="vocals", wav_depth="float")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert decoded > 100e6
    assert peak < decoded / 10, f"peak {peak / 1e6:.1f} MB for {decoded / 1e6:.0f} MB of audio"
    assert sf.info(paths["vocals"]).frames == sf.info(path).frames


def test_a_run_cancelled_halfway_leaves_no_file_and_no_folder(quick, long_song_path, tmp_path):
    written: list[str] = []

    def cancel_halfway(fraction: float) -> None:
        if fraction > 0.5:
            written.extend(p.name for p in (tmp_path / "out").rglob("*.wav"))
            raise SeparationCancelled("stop")

    with pytest.raises(SeparationCancelled):
        quick.separate_file(long_song_path, tmp_path / "out", progress=cancel_halfway)

    assert len(written) == 4  # every stem was on its way to disk...
    assert not (tmp_path / "out").exists()  # ...and nothing of it stays


@pytest.mark.parametrize("fmt", ["wav", "mp3"])
def test_an_interrupt_while_encoding_leaves_earlier_files_in_the_folder_alone(
    quick, long_song_path, tmp_path, fmt
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")

    encoded: list[str] = []

    def interrupt_at_the_end(fraction: float) -> None:
        if fraction > 0.95:
            encoded.extend(p.name for p in out.rglob(f"*.{fmt}") if ".master." not in p.name)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        quick.separate_file(long_song_path, out, fmt=fmt, progress=interrupt_at_the_end)

    assert sorted(encoded) == sorted(f"{name}.{fmt}" for name in SOURCES[:3])  # 3 were done...
    assert [p.name for p in out.iterdir()] == ["notes.txt"]  # ...but took no name


def test_an_output_folder_that_cannot_be_made_is_a_plain_error(quick, clip_path, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")

    with pytest.raises(StemWriteError, match=r"Could not write the stems in .*taken"):
        quick.separate_file(clip_path, tmp_path / "taken")
