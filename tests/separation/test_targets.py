"""Target modes: 'all' gives every stem; a stem X gives X and no_X = mix - X."""

import numpy as np
import pytest

from separation import catalog
from separation.errors import InvalidAudio, InvalidOptions


@pytest.mark.parametrize(
    ("target", "names"),
    [
        ("all", ["vocals", "accompaniment"]),
        ("vocals", ["vocals", "no_vocals"]),
        ("accompaniment", ["accompaniment", "no_accompaniment"]),
    ],
)
def test_unet_targets_give_the_named_stems_that_add_up(unet, song, target, names):
    stems = unet.separate(song, target=target)
    assert list(stems) == names
    assert np.abs(stems[names[0]] + stems[names[1]] - song).max() <= 1e-4


def test_a_single_target_is_the_same_stem_as_in_all(unet, song):
    assert np.array_equal(unet.separate(song)["vocals"], unet.separate(song, "vocals")["vocals"])


@pytest.mark.parametrize("target", ["drums", "bass", "other", "vocals"])
def test_htdemucs_single_targets_give_x_and_no_x(htdemucs, song, target):
    stems = htdemucs.separate(song, target=target)
    assert list(stems) == [target, f"no_{target}"]
    assert np.abs(stems[target] + stems[f"no_{target}"] - song).max() <= 1e-4


def test_an_unknown_target_is_refused_with_the_choices(unet, song):
    with pytest.raises(InvalidOptions, match="choose one of: all, vocals, accompaniment"):
        unet.separate(song, target="drums")


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


@pytest.mark.parametrize("target", ["all", "vocals", "accompaniment"])
def test_separating_in_place_gives_the_same_stems(unet, song, target):
    expected = unet.separate(song, target)
    mix = song.copy()
    stems = unet.separate(mix, target, inplace=True)
    assert list(stems) == list(expected)
    for name, stem in stems.items():
        assert np.array_equal(stem, expected[name])


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
    buffer = song.copy()
    excerpt = buffer[:, 44100 : 44100 * 4]  # a strided view, as the worker's previews pass
    assert not excerpt.flags.c_contiguous
    expected = engine.separate(np.ascontiguousarray(excerpt))
    stems = engine.separate(excerpt, inplace=True)
    for name, stem in stems.items():
        assert stem.shape == (2, 44100 * 3)
        assert np.abs(stem - expected[name]).max() < 1e-5
