"""The torch multichannel Wiener filter equals norbert.wiener and shares the mixture out.

What holds exactly and what within a tolerance: a source whose estimate is zero gets
exact silence. The sources sum to the mixture up to the filters' regularisation: with
iterations=0 the masks sum to total / (eps + total), within 1e-12 of the mixture here in
double precision; with EM iterations the gains sum to I - sqrt(eps) Cxx^-1, within 1e-7
(sqrt(eps) is 1.5e-8 in double precision; norbert's output does the same).
"""

import norbert
import numpy as np
import pytest
import torch

from separation.wiener import RunningWiener, wiener


def random_case(
    channels: int = 2, sources: int = 2, double: bool = True, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return nonnegative estimates (frames, bins, channels, sources) and a mixture STFT."""
    rng = np.random.default_rng(seed)
    shape = (150, 33, channels)  # 150 frames: the filter works in blocks of 64
    estimates = rng.random((*shape, sources)) * 3.0
    mixture = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * 20.0
    if double:
        return estimates, mixture
    return estimates.astype(np.float32), mixture.astype(np.complex64)


def filtered(
    estimates: np.ndarray, mixture: np.ndarray, iterations: int, exponent: float = 1.0
) -> np.ndarray:
    """Run the torch filter on numpy arrays and return numpy."""
    out = wiener(
        torch.from_numpy(estimates), torch.from_numpy(mixture), iterations, exponent=exponent
    )
    return out.numpy()


def relative_error(out: np.ndarray, expected: np.ndarray) -> float:
    return float(np.abs(out - expected).max() / np.abs(expected).max())


@pytest.mark.parametrize("channels", [2, 1])
@pytest.mark.parametrize("iterations", [0, 1, 3])
@pytest.mark.parametrize(("double", "tolerance"), [(True, 1e-12), (False, 2e-6)])
def test_it_equals_norbert_wiener(channels, iterations, double, tolerance):
    estimates, mixture = random_case(channels, double=double, seed=iterations)
    # norbert divides its mixture argument in place: hand it copies
    expected = norbert.wiener(estimates.copy(), mixture.copy(), iterations=iterations)
    out = filtered(estimates, mixture, iterations)
    assert out.dtype == mixture.dtype
    assert relative_error(out, expected) < tolerance


@pytest.mark.parametrize("iterations", [0, 1])
def test_the_exponent_is_applied_to_the_estimates_before_filtering(iterations):
    estimates, mixture = random_case(sources=3)
    expected = norbert.wiener(estimates**2, mixture.copy(), iterations=iterations)
    out = filtered(estimates, mixture, iterations, exponent=2.0)
    assert relative_error(out, expected) < 1e-12
    assert relative_error(filtered(estimates, mixture, iterations), expected) > 1e-3


@pytest.mark.parametrize("iterations", [0, 1, 2])
def test_a_source_estimated_as_zero_gets_silence_and_the_other_the_whole_mix(iterations):
    estimates, mixture = random_case()
    estimates[..., 0] = 0.0
    out = filtered(estimates, mixture, iterations)
    assert np.all(out[..., 0] == 0)
    assert relative_error(out[..., 1], mixture) < (1e-7 if iterations else 1e-12)


@pytest.mark.parametrize("iterations", [0, 1, 3])
def test_the_sources_add_up_to_the_mixture(iterations):
    estimates, mixture = random_case(sources=3, seed=7)
    out = filtered(estimates, mixture, iterations, exponent=2.0)
    assert relative_error(out.sum(axis=-1), mixture) < (1e-7 if iterations else 1e-12)


def engine_layout(estimates: np.ndarray, mixture: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """norbert's layout -> RunningWiener's: (sources, channels, bins, frames), (channels, ...)."""
    return (
        torch.from_numpy(estimates).permute(3, 2, 1, 0),
        torch.from_numpy(mixture).permute(2, 1, 0),
    )


def test_a_running_filter_gives_the_last_chunk_what_the_whole_input_gives_those_frames():
    # One iteration: a chunk's frames are filtered with the covariances of every frame so
    # far, which for the last chunk are the whole input's. The mixture's peak stays under
    # norbert's scaling threshold, so chunk and whole scale alike.
    estimates, mixture = random_case(seed=3)
    mixture *= 9.0 / np.abs(mixture).max()
    est, mix = engine_layout(estimates, mixture)
    running = RunningWiener(iterations=1)
    first = running(est[..., :100], mix[..., :100])
    last = running(est[..., 100:], mix[..., 100:])
    whole = RunningWiener(iterations=1)(est, mix)
    # the first chunk was filtered on its own frames only: not what the whole gives
    assert relative_error(first.numpy(), whole[..., :100].numpy()) > 1e-3
    assert relative_error(last.numpy(), whole[..., 100:].numpy()) < 1e-12


def test_a_running_filter_keeps_one_source_on_request():
    est, mix = engine_layout(*random_case(sources=3, seed=5))
    everything = RunningWiener(iterations=2)(est, mix)
    second = RunningWiener(iterations=2)(est, mix, keep=1)
    assert second.shape == everything.shape[1:]
    assert relative_error(second.numpy(), everything[1].numpy()) < 1e-12


def test_it_leaves_its_inputs_as_they_were():
    estimates, mixture = random_case()
    est_t, mix_t = torch.from_numpy(estimates.copy()), torch.from_numpy(mixture.copy())
    wiener(est_t, mix_t, iterations=2, exponent=2.0)
    assert np.array_equal(est_t.numpy(), estimates)
    assert np.array_equal(mix_t.numpy(), mixture)


@pytest.mark.parametrize(
    ("estimates_shape", "mixture_shape", "iterations", "reason"),
    [
        ((4, 5, 2, 2), (4, 6, 2), 1, "matching the mixture"),
        ((4, 5, 2), (4, 5, 2), 1, "matching the mixture"),
        ((4, 5, 3, 2), (4, 5, 3), 1, "mono or stereo"),
        ((4, 5, 2, 2), (4, 5, 2), -1, "cannot be negative"),
    ],
)
def test_it_refuses_arguments_that_describe_no_separation(
    estimates_shape, mixture_shape, iterations, reason
):
    mixture = torch.ones(mixture_shape, dtype=torch.complex64)
    with pytest.raises(ValueError, match=reason):
        wiener(torch.ones(estimates_shape), mixture, iterations)


def test_it_refuses_a_real_mixture():
    with pytest.raises(ValueError, match="complex STFT"):
        wiener(torch.ones(4, 5, 2, 2), torch.ones(4, 5, 2))
