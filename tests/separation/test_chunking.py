"""Time-domain chunked inference: overlapping chunks blend back without seams."""

import itertools

import numpy as np
import pytest
import torch

from separation.chunking import chunk_offsets, chunked_blocks, triangle_weight


def collected(model, mix, **options) -> np.ndarray:
    """Put the streamed blocks back together into one (sources, channels, n) array."""
    blocks = list(chunked_blocks(model, mix, **options))
    assert [start for start, _ in blocks] == list(
        np.cumsum([0] + [block.shape[-1] for _, block in blocks[:-1]])
    )
    return np.concatenate([block for _, block in blocks], axis=-1)


def identity_sources(batch: torch.Tensor) -> torch.Tensor:
    """A stand-in model whose two 'sources' are the input and half the input."""
    return torch.stack([batch, 0.5 * batch], dim=1)


@pytest.mark.parametrize("length", [100, 999, 1000, 4321])
@pytest.mark.parametrize("overlap", [0.0, 0.25, 0.5])
def test_blending_an_exact_model_gives_back_its_output_without_seams(length, overlap):
    mix = np.random.default_rng(0).standard_normal((2, length)).astype(np.float32)
    out = collected(identity_sources, mix, sources=2, segment=256, overlap=overlap)
    assert out.shape == (2, 2, length)
    assert np.abs(out[0] - mix).max() < 1e-5
    assert np.abs(out[1] - 0.5 * mix).max() < 1e-5


def test_batching_chunks_changes_nothing():
    mix = np.random.default_rng(1).standard_normal((2, 3000)).astype(np.float32)
    one = collected(identity_sources, mix, sources=2, segment=256, batch_size=1)
    many = collected(identity_sources, mix, sources=2, segment=256, batch_size=5)
    assert np.array_equal(one, many)


def test_chunks_cover_the_whole_track():
    offsets = chunk_offsets(1000, 256, 0.25)
    assert offsets[0] == 0
    assert offsets[-1] + 256 >= 1000
    assert all(b - a == 192 for a, b in itertools.pairwise(offsets))


def test_the_weight_peaks_in_the_middle():
    weight = triangle_weight(10)
    assert weight.max() == 1
    assert weight.argmax() in (4, 5)
    assert weight[0] < weight[4] and weight[-1] < weight[5]
