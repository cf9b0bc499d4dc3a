"""The engine hands stems over block by block, exactly as if it had held them whole.

Each block is checked against a computation that holds everything at once (the whole
song's STFT, demucs' own `apply_model`, a whole-array overlap-add), and a backend must
never read the mix behind a block it has handed over: overwriting that part with NaN
changes nothing.
"""

import itertools

import numpy as np
import pytest
import torch
from demucs.apply import apply_model
from engine_factories import SOURCES, save_demucs_repo, tiny_htdemucs

from separation.api import Separator
from separation.chunking import chunk_offsets, chunked_blocks, triangle_weight
from separation.errors import InvalidAudio, InvalidOptions
from separation.htdemucs import HTDemucs4Stems
from separation.spleeter import BINS, HOP, N_FFT
from separation.wiener import RunningWiener

SEGMENT_SAMPLES = 512 * 1024  # one unet-2stems block on the CPU: 512 frames at hop 1024


def consume(blocks, mix=None):
    """Return (starts, lengths, whole stems) of a block stream; with `mix`, spoil it behind.

    After each block the mix is overwritten with NaN up to the block's end, which a
    backend that reads the mix behind a block it handed over would turn into NaN stems.
    """
    starts, lengths, parts = [], [], {}
    for start, block in blocks:
        width = {samples.shape[-1] for samples in block.values()}
        assert len(width) == 1  # every stem of a block covers the same samples
        starts.append(start)
        lengths.append(width.pop())
        for name, samples in block.items():
            parts.setdefault(name, []).append(samples.copy())
        if mix is not None:
            mix[..., : start + lengths[-1]] = np.nan
    stems = {name: np.concatenate(blocks, axis=-1) for name, blocks in parts.items()}
    return starts, lengths, stems


def assert_consecutive(starts, lengths, total):
    assert starts[0] == 0
    assert all(a + n == b for a, n, b in zip(starts, lengths, starts[1:], strict=False))
    assert starts[-1] + lengths[-1] == total


# ---------------------------------------------------------------- unet-2stems


@pytest.fixture(scope="module")
def long_song(song) -> np.ndarray:
    """About 30 s of real music: three of unet-2stems' 512-frame blocks."""
    return np.ascontiguousarray(np.tile(song, (1, 3))[:, : 2 * SEGMENT_SAMPLES + 5 * 44100])


@pytest.fixture(scope="module")
def unet_blocks(unet, long_song):
    return consume(unet.separate_blocks(long_song))


def whole_song_vocals(unet, mix: np.ndarray) -> np.ndarray:
    """Vocals computed the plain way: one STFT of the whole song, one inverse STFT."""
    backend = unet.backend
    with torch.inference_mode():
        spec = whole_song_stft(backend, mix)
        filter_ = RunningWiener(backend.wiener, backend.wiener_exponent) if backend.wiener else None
        masked = backend._vocals(spec, filter_)
        return torch.istft(masked, N_FFT, HOP, window=backend.window, length=mix.shape[1]).numpy()


def whole_song_stft(backend, mix: np.ndarray) -> torch.Tensor:
    return torch.stft(
        torch.from_numpy(mix),
        N_FFT,
        HOP,
        window=backend.window,
        return_complex=True,
        pad_mode="constant",
    )


@pytest.mark.parametrize("wiener", [0, 1])
def test_unet_blocks_come_one_per_segment_and_equal_the_whole_song_separated_at_once(
    long_song, wiener
):
    unet = Separator("unet-2stems", device="cpu", wiener=wiener)
    starts, lengths, stems = consume(unet.separate_blocks(long_song))

    assert len(starts) == 3 and max(lengths) <= SEGMENT_SAMPLES
    assert_consecutive(starts, lengths, long_song.shape[1])
    vocals = whole_song_vocals(unet, long_song)
    assert np.abs(stems["vocals"] - vocals).max() < 1e-5
    assert np.array_equal(stems["accompaniment"], long_song - stems["vocals"])


def test_unet_wiener_stays_within_40_db_of_whole_song_covariances(unet, long_song):
    # Segment by segment, each spatial covariance is a running estimate over the segments
    # so far (the first 12 s alone for the first); here one estimate sees the whole song.
    backend = unet.backend
    chunked = unet.separate(long_song)["vocals"]
    with torch.inference_mode():
        spec = whole_song_stft(backend, long_song)
        ratio = backend._vocals(spec, None)  # for the bins above 11 kHz, as the engine does
        estimates = torch.stack(backend._estimates(spec))
        ratio[:, :BINS] = RunningWiener(1)(estimates, spec[:, :BINS], keep=0)
        whole = torch.istft(ratio, N_FFT, HOP, window=backend.window, length=long_song.shape[1])
    error = np.square(chunked - whole.numpy(), dtype=np.float64).sum()
    agreement = 10 * np.log10(np.square(chunked, dtype=np.float64).sum() / error)
    assert 40 < agreement < 100, f"{agreement:.1f} dB"  # close, yet not the same computation


def test_separate_puts_the_unet_blocks_together(unet, unet_blocks, long_song):
    stems = unet.separate(long_song)

    for name, stem in unet_blocks[2].items():
        assert np.abs(stems[name] - stem).max() < 1e-6


def test_unet_never_reads_the_mix_behind_a_block(unet, unet_blocks, long_song):
    spoiled = long_song.copy()

    _, _, stems = consume(unet.backend.separate_blocks(spoiled), mix=spoiled)

    for name, stem in unet_blocks[2].items():
        assert np.abs(stems[name] - stem).max() < 1e-6


def test_separating_in_place_over_several_blocks_gives_the_same_stems(unet, unet_blocks, long_song):
    stems = unet.separate(long_song.copy(), "vocals", inplace=True)

    assert np.abs(stems["vocals"] - unet_blocks[2]["vocals"]).max() < 1e-6
    assert np.abs(stems["no_vocals"] - unet_blocks[2]["accompaniment"]).max() < 1e-6


# ------------------------------------------------------------------- htdemucs


def demucs_reference(backend, clip, **kwargs):
    with torch.no_grad():
        out = apply_model(backend.models[0], torch.from_numpy(clip)[None], shifts=0, **kwargs)
    return dict(zip(SOURCES, out[0].numpy(), strict=True))


@pytest.mark.parametrize(
    ("overlap", "segment", "batch_size", "chunks"),
    [(0.25, None, 1, 2), (0.5, 1.0, 1, 6), (0.5, 1.0, 4, 6)],
)
def test_htdemucs_blocks_equal_demucs_whole_output(
    demucs_repo, clip, overlap, segment, batch_size, chunks
):
    separator = Separator(
        "htdemucs",
        device="cpu",
        model_dir=demucs_repo,
        overlap=overlap,
        segment=segment,
        batch_size=batch_size,
    )
    backend = separator.backend
    spoiled = clip.copy()

    starts, lengths, stems = consume(backend.separate_blocks(spoiled), mix=spoiled)

    # One block per batch of chunks, none longer than a batch's worth of new audio.
    assert len(starts) == -(-chunks // batch_size)
    assert max(lengths) <= backend.segments[0] * batch_size
    assert_consecutive(starts, lengths, clip.shape[1])
    kwargs = {"segment": segment} if segment else {}
    theirs = demucs_reference(backend, clip, split=True, overlap=overlap, **kwargs)
    for name in SOURCES:
        assert np.abs(stems[name] - theirs[name]).max() < 1e-5


@pytest.fixture(scope="module")
def bag_repo(tmp_path_factory):
    """A bag of two models trained on different segments, so their blocks differ."""
    folder = tmp_path_factory.mktemp("bag")
    save_demucs_repo(tiny_htdemucs(2.0), folder, name="one", sig="aaaa1111")
    save_demucs_repo(tiny_htdemucs(1.5, seed=1), folder, name="two", sig="bbbb2222")
    (folder / "bag.yaml").write_text(
        "models: ['aaaa1111', 'bbbb2222']\nweights: [[1, 1, 1, 1], [1, 1, 1, 3]]\n"
    )
    return folder


@pytest.mark.parametrize("overlap", [0.25, 0.5])
def test_a_bag_of_models_streams_the_weighted_average_of_its_models(bag_repo, clip, overlap):
    def backend(name):
        return HTDemucs4Stems(torch.device("cpu"), name=name, model_dir=bag_repo, overlap=overlap)

    one, two = backend("one").separate(clip), backend("two").separate(clip)
    spoiled, seen = clip.copy(), []

    starts, lengths, bag = consume(backend("bag").separate_blocks(spoiled, seen.append), spoiled)

    assert_consecutive(starts, lengths, clip.shape[1])
    assert len(starts) > 2 and max(lengths) <= 2 * 44100
    for stem, w in zip(SOURCES, (1, 1, 1, 3), strict=True):
        expected = (one[stem] + w * two[stem]) / (1 + w)
        assert np.abs(bag[stem] - expected).max() < 1e-5
    # Both models' chunks count: progress rises by steps to one.
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > len(starts)


@pytest.mark.parametrize("target", ["all", "vocals", "drums"])
def test_htdemucs_target_blocks_match_the_all_separation(htdemucs, htdemucs_all, clip, target):
    starts, lengths, stems = consume(htdemucs.separate_blocks(clip, target))

    assert len(starts) == 2
    assert_consecutive(starts, lengths, clip.shape[1])
    if target == "all":
        assert list(stems) == SOURCES
        expected = dict(htdemucs_all)
    else:
        assert list(stems) == [target, f"no_{target}"]
        rest = sum(stem for name, stem in htdemucs_all.items() if name != target)
        expected = {target: htdemucs_all[target], f"no_{target}": rest}
    for name, stem in stems.items():
        assert np.abs(stem - expected[name]).max() < 1e-5
    # The residual is spread block by block, so the stems add up to the mix in each.
    assert np.abs(sum(stems.values()) - clip).max() <= 1e-4


def test_htdemucs_in_place_gives_the_same_stems_with_a_short_last_chunk(demucs_repo, clip):
    # Chunks of 1 s every 0.25 s: the last ones are short and read audio before their start.
    separator = Separator("htdemucs", device="cpu", model_dir=demucs_repo, overlap=0.75, segment=1)
    kept = separator.separate(clip)

    in_place = separator.separate(clip.copy(), inplace=True)

    for name in SOURCES:
        assert np.abs(in_place[name] - kept[name]).max() < 1e-6


# ------------------------------------------------------------- the facade's checks


def test_bad_input_is_refused_before_the_first_block_is_asked_for(unet):
    with pytest.raises(InvalidAudio):
        unet.separate_blocks(np.zeros((1, 1000), dtype=np.float32))
    with pytest.raises(InvalidOptions):
        unet.separate_blocks(np.zeros((2, 1000), dtype=np.float32), target="drums")


# ----------------------------------------------------------- chunked overlap-add


def whole_overlap_add(model, mix, *, sources, segment, overlap, batch_size):
    """The overlap-add holding the whole output at once (what the streaming one replaces)."""
    channels, length = mix.shape
    out = np.zeros((sources, channels, length), dtype=np.float32)
    total = np.zeros(length, dtype=np.float32)
    weight = triangle_weight(segment).numpy().astype(np.float32)
    offsets = chunk_offsets(length, segment, overlap)
    for i in range(0, len(offsets), batch_size):
        for start in offsets[i : i + batch_size]:
            size = min(segment, length - start)
            begin = start - (segment - size) // 2
            chunk = np.zeros((channels, segment), dtype=np.float32)
            lo, hi = max(begin, 0), min(begin + segment, length)
            chunk[:, lo - begin : hi - begin] = mix[:, lo:hi]
            estimate = model(torch.from_numpy(chunk)[None])[0].numpy()
            lead = (segment - size) // 2
            out[..., start : start + size] += estimate[..., lead : lead + size] * weight[:size]
            total[start : start + size] += weight[:size]
    return out / total


def context_model(batch: torch.Tensor) -> torch.Tensor:
    """A stand-in whose output depends on the whole chunk it sees (its context too)."""
    return torch.stack([batch * batch.mean(dim=(1, 2), keepdim=True), batch.flip(-1)], dim=1)


@pytest.mark.parametrize(
    ("length", "overlap", "batch_size"),
    list(itertools.product([300, 1000, 4321], [0.0, 0.25, 0.5, 0.75], [1, 3])),
)
def test_streamed_overlap_add_equals_the_whole_one(length, overlap, batch_size):
    mix = np.random.default_rng(length).standard_normal((2, length)).astype(np.float32)
    spoiled = mix.copy()
    kwargs = {"sources": 2, "segment": 256, "overlap": overlap, "batch_size": batch_size}

    blocks = chunked_blocks(context_model, spoiled, **kwargs)
    starts, lengths, out = consume(((s, {"out": b}) for s, b in blocks), mix=spoiled)

    assert_consecutive(starts, lengths, length)
    expected = whole_overlap_add(context_model, mix, **kwargs)
    assert np.abs(out["out"] - expected).max() < 1e-6
    assert max(lengths) <= 256 * batch_size
