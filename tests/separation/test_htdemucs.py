"""The htdemucs path: a small HTDemucs saved in a local demucs repo folder."""

import numpy as np
import pytest
import torch
from demucs.apply import apply_model
from engine_factories import SOURCES, save_demucs_repo, tiny_htdemucs

from separation.api import Separator, make_consistent
from separation.errors import InvalidOptions, ModelLoadingError
from separation.htdemucs import HTDemucs4Stems


def test_its_four_stems_add_up_to_the_mix_though_the_models_do_not(htdemucs, htdemucs_all, clip):
    assert list(htdemucs_all) == SOURCES
    assert all(s.shape == clip.shape and s.dtype == np.float32 for s in htdemucs_all.values())
    # The model alone misses the mix; the facade spreads what is missing over the stems.
    raw = htdemucs.backend.separate(clip)
    assert np.abs(sum(raw.values()) - clip).max() > 1e-2
    assert np.abs(sum(htdemucs_all.values()) - clip).max() <= 1e-4


def test_making_stems_consistent_spreads_the_residual_equally():
    mix = np.ones((2, 4), dtype=np.float32)
    stems = {"a": np.zeros((2, 4), np.float32), "b": np.full((2, 4), 0.5, np.float32)}
    make_consistent(stems, mix)
    assert np.allclose(stems["a"], 0.25) and np.allclose(stems["b"], 0.75)


def demucs_reference(backend, clip, **kwargs):
    with torch.no_grad():
        out = apply_model(backend.models[0], torch.from_numpy(clip)[None], shifts=0, **kwargs)
    return dict(zip(SOURCES, out[0].numpy(), strict=True))


def test_our_chunking_matches_demucs_apply_model(htdemucs, clip):
    ours = htdemucs.backend.separate(clip)
    theirs = demucs_reference(htdemucs.backend, clip, split=True, overlap=0.25)
    for name in SOURCES:
        assert np.abs(ours[name] - theirs[name]).max() < 1e-5


def test_overlap_and_segment_reach_the_chunking_as_in_demucs(demucs_repo, clip):
    separator = Separator("htdemucs", device="cpu", model_dir=demucs_repo, overlap=0.5, segment=1.0)
    seen = []
    ours = separator.backend.separate(clip, seen.append)
    assert len(seen) == 6  # 1 s chunks every 0.5 s over 3 s: at 0, 0.5, ... 2.5 s
    theirs = demucs_reference(separator.backend, clip, split=True, overlap=0.5, segment=1.0)
    for name in SOURCES:
        assert np.abs(ours[name] - theirs[name]).max() < 1e-5


def test_a_batch_of_chunks_gives_the_same_stems(demucs_repo, htdemucs_all, clip):
    separator = Separator("htdemucs", device="cpu", model_dir=demucs_repo, batch_size=2)
    seen = []
    stems = separator.separate(clip, progress=seen.append)
    assert seen == [1.0]  # both chunks of the clip in one batch
    for name in SOURCES:
        assert np.abs(stems[name] - htdemucs_all[name]).max() < 1e-5


def test_progress_is_reported_per_chunk(htdemucs_run):
    _, seen = htdemucs_run
    assert seen == [0.5, 1.0]  # 2 s chunks every 1.5 s over the 3 s clip


def test_a_segment_longer_than_the_model_was_trained_on_is_refused(demucs_repo):
    with pytest.raises(InvalidOptions, match=r"longer than the 2.00 s .* trained on"):
        Separator("htdemucs", device="cpu", model_dir=demucs_repo, segment=2.5)


def test_a_missing_model_folder_is_a_loading_error(tmp_path):
    with pytest.raises(ModelLoadingError, match="does not exist"):
        Separator("htdemucs", device="cpu", model_dir=tmp_path / "nowhere")


def test_a_folder_without_the_model_is_a_loading_error(tmp_path):
    with pytest.raises(ModelLoadingError, match="htdemucs"):
        Separator("htdemucs", device="cpu", model_dir=tmp_path)


def test_a_weight_file_with_a_wrong_checksum_is_refused(tmp_path):
    folder = save_demucs_repo(tiny_htdemucs(), tmp_path)
    weights = next(folder.glob("*.th"))
    weights.rename(folder / f"{weights.stem.split('-')[0]}-00000000.th")
    with pytest.raises(ModelLoadingError):
        Separator("htdemucs", device="cpu", model_dir=folder)


def test_a_model_with_other_stems_than_the_catalogs_is_refused(tmp_path):
    folder = save_demucs_repo(
        tiny_htdemucs(sources=["drums", "bass", "guitar", "vocals"]), tmp_path
    )
    with pytest.raises(ModelLoadingError, match="give the stems drums, bass, guitar, vocals"):
        Separator("htdemucs", device="cpu", model_dir=folder)


def test_a_bag_of_models_is_averaged_with_its_per_source_weights(tmp_path, clip):
    save_demucs_repo(tiny_htdemucs(), tmp_path, name="one", sig="aaaa1111")
    save_demucs_repo(tiny_htdemucs(seed=1), tmp_path, name="two", sig="bbbb2222")
    (tmp_path / "bag.yaml").write_text(
        "models: ['aaaa1111', 'bbbb2222']\nweights: [[1, 1, 1, 1], [1, 1, 1, 3]]\n"
    )
    short = clip[:, :44100]
    outputs = {
        name: HTDemucs4Stems(torch.device("cpu"), name=name, model_dir=tmp_path).separate(short)
        for name in ("one", "two", "bag")
    }
    for stem, w in zip(SOURCES, (1, 1, 1, 3), strict=True):
        expected = (outputs["one"][stem] + w * outputs["two"][stem]) / (1 + w)
        assert np.abs(outputs["bag"][stem] - expected).max() < 1e-5
