"""The streaming inverse STFT equals torch.istft on the whole signal."""

import pytest
import torch

from separation.stft import StreamingISTFT


@pytest.mark.parametrize("chunk", [1, 7, 100, 1000])
@pytest.mark.parametrize("length", [1, 1023, 1024, 44100 * 3 + 17])
def test_pushing_frames_in_chunks_gives_back_the_whole_signal(chunk, length):
    torch.manual_seed(length)
    signal = torch.randn(2, length)
    window = torch.hann_window(4096)
    spec = torch.stft(signal, 4096, 1024, window=window, return_complex=True, pad_mode="constant")
    expected = torch.istft(spec, 4096, 1024, window=window, length=length)
    istft = StreamingISTFT(window, 1024, length)
    pieces, position = [], 0
    for first in range(0, spec.shape[-1], chunk):
        start, samples = istft.push(spec[..., first : first + chunk])
        assert start == position
        position += samples.shape[-1]
        pieces.append(samples)
    out = torch.cat(pieces, dim=-1)
    assert out.shape == (2, length)
    assert (out - expected).abs().max() < 1e-5
    assert (out - signal).abs().max() < 1e-5
