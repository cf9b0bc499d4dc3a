"""The htdemucs path: a small HTDemucs saved in a local demucs repo folder."""

import numpy as np
import pytest
import torch
from demucs.apply import apply_model
from engine_factories import SOURCES, save_demucs_repo, tiny_htdemucs

from separation.api import Separator
from separation.errors import ModelLoadingError
from separation.htdemucs import HTDemucs4Stems


def test_it_gives_four_stems_that_add_up_to_the_mix(htdemucs, song):
    stems = htdemucs.separate(song)
    assert list(stems) == SOURCES
    assert all(stem.shape == song.shape and stem.dtype == np.float32 for stem in stems.values())
    assert np.abs(sum(stems.values()) - song).max() <= 1e-4


def test_our_chunking_matches_demucs_apply_model(htdemucs, song):
    backend = htdemucs._model
    ours = backend.separate(song)
    with torch.no_grad():
        theirs = apply_model(
            backend.models[0], torch.from_numpy(song)[None], shifts=0, split=True, overlap=0.25
        )[0].numpy()
    for index, name in enumerate(SOURCES):
        assert np.abs(ours[name] - theirs[index]).max() < 1e-5


def test_progress_is_reported_per_chunk(htdemucs, song):
    seen = []
    htdemucs.separate(song, progress=seen.append)
    assert len(seen) > 3
    assert seen == sorted(seen)
    assert seen[-1] == 1.0


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


def test_a_bag_of_models_is_averaged_with_its_per_source_weights(tmp_path, song):
    first, second = tiny_htdemucs(), tiny_htdemucs()
    torch.manual_seed(1)
    second = type(second)(*second._init_args_kwargs[0], **second._init_args_kwargs[1]).eval()
    save_demucs_repo(first, tmp_path, name="one", sig="aaaa1111")
    save_demucs_repo(second, tmp_path, name="two", sig="bbbb2222")
    (tmp_path / "bag.yaml").write_text(
        "models: ['aaaa1111', 'bbbb2222']\nweights: [[1, 1, 1, 1], [1, 1, 1, 3]]\n"
    )
    clip = song[:, : 44100 * 3]
    outputs = {
        name: HTDemucs4Stems(torch.device("cpu"), name=name, model_dir=tmp_path).separate(clip)
        for name in ("one", "two", "bag")
    }
    for stem, w in zip(SOURCES, (1, 1, 1, 3), strict=True):
        expected = (outputs["one"][stem] + w * outputs["two"][stem]) / (1 + w)
        assert np.abs(outputs["bag"][stem] - expected).max() < 1e-5
