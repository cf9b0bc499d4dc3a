"""Backend knobs (overlap, segment, half precision, batch size, Wiener): checked before loading."""

import pytest

from separation import catalog
from separation.api import Separator
from separation.errors import InvalidOptions
from separation.options import Options


@pytest.fixture
def no_loading(monkeypatch):
    """Fail the test if a Separator gets as far as loading weights."""

    def refuse(*args, **kwargs):
        raise AssertionError("weights were loaded for options that should be refused")

    monkeypatch.setattr("separation.api._build", refuse)


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"overlap": -0.1}, "overlap must be between 0 and 0.9, not -0.1"),
        ({"overlap": 0.95}, "overlap must be between 0 and 0.9, not 0.95"),
        ({"overlap": float("nan")}, "overlap must be between 0 and 0.9"),
        ({"segment": 0.5}, "segment must be at least 1 s long, not 0.5"),
        ({"segment": float("inf")}, "segment must be at least 1 s long"),
        ({"batch_size": 0}, "batch size must be between 1 and 256, not 0"),
        ({"batch_size": 2.5}, "batch size must be a whole number, not 2.5"),
        ({"half": True}, "Half precision runs on CUDA only; this separator runs on cpu"),
    ],
)
def test_a_bad_value_is_refused_with_the_rule_before_any_weights_load(no_loading, knobs, message):
    with pytest.raises(InvalidOptions, match=message):
        Separator("htdemucs", device="cpu", **knobs)


@pytest.mark.parametrize("knob", ["overlap", "segment"])
def test_a_knob_the_model_does_not_have_is_refused_naming_those_it_has(no_loading, knob):
    with pytest.raises(
        InvalidOptions, match=f"'unet-2stems' has no '{knob}' option; .* half, batch_size"
    ):
        Separator("unet-2stems", device="cpu", **{knob: 2.0})


@pytest.mark.parametrize(
    ("wiener", "message"),
    [
        (-1, "number of Wiener iterations must be between 0 and 10, not -1"),
        (11, "number of Wiener iterations must be between 0 and 10, not 11"),
        (1.5, "number of Wiener iterations must be a whole number, not 1.5"),
        (True, "number of Wiener iterations must be a whole number, not True"),
    ],
)
def test_a_bad_number_of_wiener_iterations_is_refused_before_any_weights_load(
    no_loading, wiener, message
):
    with pytest.raises(InvalidOptions, match=message):
        Separator("unet-2stems", device="cpu", wiener=wiener)


def test_only_unet_2stems_takes_the_wiener_filter(no_loading):
    with pytest.raises(InvalidOptions, match="'htdemucs' has no 'wiener' option"):
        Separator("htdemucs", device="cpu", wiener=1)


def test_half_precision_is_accepted_on_cuda():
    Options(half=True).check("htdemucs", catalog.get_spec("htdemucs").knobs, "cuda")


def test_half_precision_is_refused_on_apple_mps_too():
    with pytest.raises(InvalidOptions, match="runs on mps"):
        Options(half=True).check("unet-2stems", catalog.get_spec("unet-2stems").knobs, "mps")


def test_turning_half_precision_off_is_fine_on_any_device():
    Options(half=False).check("unet-2stems", catalog.get_spec("unet-2stems").knobs, "cpu")


def test_only_the_knobs_that_were_set_count_as_given():
    assert Options().given() == ()
    assert Options(overlap=0.0, half=False).given() == ("overlap", "half")


def test_the_knobs_reach_the_backend(demucs_repo):
    separator = Separator(
        "htdemucs", device="cpu", model_dir=demucs_repo, overlap=0.1, segment=1.5, batch_size=3
    )
    backend = separator.backend
    assert (backend.overlap, backend.segments, backend.batch_size) == (0.1, [66150], 3)
    unet = Separator("unet-2stems", device="cpu", batch_size=4, half=False, wiener=2)
    assert (unet.backend.batch_size, unet.backend.half, unet.backend.wiener) == (4, False, 2)


def test_left_unset_each_backend_keeps_its_own_defaults(htdemucs, unet):
    assert htdemucs.backend.overlap == 0.25
    assert htdemucs.backend.segments == [2 * 44100]  # what the tiny model was trained on
    assert htdemucs.backend.batch_size == 1 and htdemucs.backend.half is False
    assert unet.backend.batch_size == 1 and unet.backend.half is False  # fp16 only on CUDA
