"""Target modes: 'all' gives every stem; a stem X gives X and no_X (everything else).

A single target is checked against the `all` output of the same model on the same clip:
X must be the model's stem X, and no_X the sum of its other stems.
"""

import numpy as np
import pytest
from engine_factories import CLIP_SECONDS, CLIP_START, SOURCES

from separation import catalog
from separation.audio import SAMPLE_RATE
from separation.errors import InvalidAudio, InvalidOptions


def test_unet_all_gives_both_stems_in_the_catalogs_order(unet_all, clip):
    assert list(unet_all) == ["vocals", "accompaniment"]
    assert all(stem.shape == clip.shape and stem.dtype == np.float32 for stem in unet_all.values())


@pytest.mark.parametrize(
    ("target", "other"), [("vocals", "accompaniment"), ("accompaniment", "vocals")]
)
def test_a_unet_target_is_that_stem_of_all_and_no_target_is_the_other(
    unet, unet_all, clip, target, other
):
    stems = unet.separate(clip, target=target)
    assert list(stems) == [target, f"no_{target}"]
    assert np.array_equal(stems[target], unet_all[target])
    assert np.array_equal(stems[f"no_{target}"], unet_all[other])


@pytest.mark.parametrize("target", SOURCES)
def test_an_htdemucs_target_is_that_stem_of_all_and_no_target_the_sum_of_the_rest(
    htdemucs, htdemucs_all, clip, target
):
    stems = htdemucs.separate(clip, target=target)
    assert list(stems) == [target, f"no_{target}"]
    assert np.abs(stems[target] - htdemucs_all[target]).max() < 1e-6
    rest = sum(stem for name, stem in htdemucs_all.items() if name != target)
    assert np.abs(stems[f"no_{target}"] - rest).max() < 1e-5


def test_an_unknown_target_is_refused_with_the_choices(unet, clip):
    with pytest.raises(InvalidOptions, match="choose one of: all, vocals, accompaniment"):
        unet.separate(clip, target="drums")


def test_an_unknown_model_is_refused_with_the_choices():
    with pytest.raises(InvalidOptions, match="unet-2stems, htdemucs"):
        catalog.get_spec("spleeter-5stems")


def test_output_stems_lists_what_each_mode_produces():
    assert catalog.output_stems("htdemucs", "all") == ("drums", "bass", "other", "vocals")
    assert catalog.output_stems("htdemucs", "bass") == ("bass", "no_bass")
    assert catalog.targets("unet-2stems") == ("all", "vocals", "accompaniment")


@pytest.mark.parametrize(
    "mix",
    [
        np.zeros((1, 1000), dtype=np.float32),
        np.zeros((2, 1000), dtype=np.float64),
        np.zeros((2, 0), dtype=np.float32),
    ],
)
def test_separate_refuses_arrays_that_are_not_stereo_float32_audio(unet, mix):
    with pytest.raises(InvalidAudio):
        unet.separate(mix)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("all", {"vocals": "vocals", "accompaniment": "accompaniment"}),
        ("vocals", {"vocals": "vocals", "no_vocals": "accompaniment"}),
        ("accompaniment", {"accompaniment": "accompaniment", "no_accompaniment": "vocals"}),
    ],
)
def test_separating_in_place_gives_the_same_stems(unet, unet_all, clip, target, expected):
    stems = unet.separate(clip.copy(), target, inplace=True)
    assert list(stems) == list(expected)
    for name, stem in stems.items():
        assert np.array_equal(stem, unet_all[expected[name]])


def test_stems_that_would_clip_are_scaled_together_for_integer_formats(unet, tmp_path):
    import soundfile as sf
    from engine_factories import tone

    loud = tone(440, 2.0, amp=1.4)  # a float WAV may hold samples above full scale
    sf.write(tmp_path / "loud.wav", loud.T, 44100, subtype="FLOAT")
    paths = unet.separate_file(tmp_path / "loud.wav", tmp_path / "out", wav_depth="16")
    stems = {name: sf.read(path, always_2d=True)[0] for name, path in paths.items()}
    assert max(np.abs(stem).max() for stem in stems.values()) <= 1.0
    total = sum(stems.values())
    scale = np.abs(total).max() / np.abs(loud).max()
    assert 0.6 < scale < 0.75  # one factor for all: the sum is the mix scaled down
    assert np.abs(total - loud.T * scale).max() < 2e-3


def test_float_output_keeps_stems_above_full_scale_exact(unet, tmp_path):
    import soundfile as sf
    from engine_factories import tone

    loud = tone(440, 2.0, amp=1.4)
    sf.write(tmp_path / "loud.wav", loud.T, 44100, subtype="FLOAT")
    paths = unet.separate_file(tmp_path / "loud.wav", tmp_path / "out", wav_depth="float")
    total = sum(sf.read(path, always_2d=True)[0] for path in paths.values())
    assert np.abs(total - loud.T).max() <= 1e-4


@pytest.mark.parametrize("separator", ["unet", "htdemucs"])
def test_an_excerpt_sliced_out_of_a_longer_buffer_separates_like_a_copy(request, song, separator):
    engine = request.getfixturevalue(separator)
    expected = request.getfixturevalue(f"{separator}_all")  # the same stretch, contiguous
    buffer = song.copy()
    start = CLIP_START * SAMPLE_RATE
    excerpt = buffer[:, start : start + CLIP_SECONDS * SAMPLE_RATE]  # as previews pass it
    assert not excerpt.flags.c_contiguous
    stems = engine.separate(excerpt, inplace=True)
    for name, stem in stems.items():
        assert stem.shape == (2, CLIP_SECONDS * SAMPLE_RATE)
        assert np.abs(stem - expected[name]).max() < 1e-5
