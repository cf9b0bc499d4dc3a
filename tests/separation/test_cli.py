"""The command line: python -m separation INPUT -o OUTDIR [...]."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "separation", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_writes_vocals_and_accompaniment_wavs(song_path, tmp_path):
    result = run_cli(str(song_path), "-o", str(tmp_path), "--quiet", "--wav-depth", "float")
    assert result.returncode == 0, result.stderr
    vocals, rate = sf.read(tmp_path / "vocals.wav", always_2d=True)
    accompaniment, _ = sf.read(tmp_path / "accompaniment.wav", always_2d=True)
    mix, mix_rate = sf.read(song_path, always_2d=True)
    assert rate == mix_rate == 44100
    assert vocals.shape == accompaniment.shape == mix.shape
    assert np.abs(vocals + accompaniment - mix).max() <= 1e-4


def test_a_target_and_a_format_give_x_and_no_x_files(song_path, tmp_path):
    result = run_cli(
        str(song_path), "-o", str(tmp_path), "-q", "--target", "vocals", "--format", "flac"
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no_vocals.flac", "vocals.flac"]
    assert sf.info(tmp_path / "vocals.flac").format == "FLAC"


def test_it_shows_a_progress_bar(song_path, tmp_path):
    result = run_cli(str(song_path), "-o", str(tmp_path), "--format", "mp3")
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr
    assert (tmp_path / "vocals.mp3").stat().st_size > 10_000


def test_bad_input_exits_non_zero_with_a_one_line_reason(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("these are not samples")
    result = run_cli(str(bad), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and "not an audio file" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_target_the_model_lacks_is_refused(song_path, tmp_path):
    result = run_cli(str(song_path), "-o", str(tmp_path), "--target", "drums")
    assert result.returncode == 2
    assert "no target 'drums'" in result.stderr


def test_keep_rate_writes_stems_at_the_inputs_own_rate(tmp_path):
    t = np.arange(48000 * 2) / 48000
    mix = 0.3 * np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 3000 * t)], axis=1)
    sf.write(tmp_path / "in48k.wav", mix, 48000, subtype="FLOAT")
    out = tmp_path / "out"
    result = run_cli(
        str(tmp_path / "in48k.wav"), "-o", str(out), "-q", "--keep-rate", "--wav-depth", "float"
    )
    assert result.returncode == 0, result.stderr
    stems = [sf.read(out / f"{name}.wav", always_2d=True) for name in ("vocals", "accompaniment")]
    assert all(rate == 48000 and len(data) == len(mix) for data, rate in stems)
    steady = slice(2400, -2400)  # away from the resampler's edges
    assert np.abs((stems[0][0] + stems[1][0] - mix)[steady]).max() < 1e-3


def test_the_htdemucs_model_runs_from_a_local_folder(demucs_repo, song_path, tmp_path):
    result = run_cli(
        str(song_path),
        "-o",
        str(tmp_path),
        "-q",
        "--model",
        "htdemucs",
        "--model-dir",
        str(demucs_repo),
        "--target",
        "drums",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drums.wav", "no_drums.wav"]


def test_a_missing_model_folder_is_a_one_line_error(song_path, tmp_path):
    result = run_cli(
        str(song_path),
        "-o",
        str(tmp_path / "out"),
        "--model",
        "htdemucs",
        "--model-dir",
        str(tmp_path / "nowhere"),
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: Demucs model folder")
