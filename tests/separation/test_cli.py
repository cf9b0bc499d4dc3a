"""The command line: python -m separation INPUT -o OUTDIR [...].

One test runs it as a real subprocess; the rest call `separation.cli.main` in-process,
which is the same code without the cost of starting Python and torch again.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from separation.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # starts a second Python that imports torch and loads the weights again
def test_python_m_separation_writes_the_stems_with_a_progress_bar(clip_path, unet_all, tmp_path):
    args = [str(clip_path), "-o", str(tmp_path), "--wav-depth", "float"]
    result = subprocess.run(
        [sys.executable, "-m", "separation", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "vocals.wav"),
        str(tmp_path / "accompaniment.wav"),
    ]
    for name, expected in unet_all.items():
        written, rate = sf.read(tmp_path / f"{name}.wav", always_2d=True, dtype="float32")
        assert rate == 44100
        assert np.abs(written.T - expected).max() < 1e-5


def test_a_target_and_a_format_give_x_and_no_x_files(clip_path, tmp_path, capsys):
    assert (
        main([str(clip_path), "-o", str(tmp_path), "-q", "--target", "vocals", "--format", "flac"])
        == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no_vocals.flac", "vocals.flac"]
    assert sf.info(tmp_path / "vocals.flac").format == "FLAC"
    assert capsys.readouterr().err == ""  # quiet: no progress bar


def test_it_encodes_mp3(clip_path, tmp_path):
    assert main([str(clip_path), "-o", str(tmp_path), "-q", "--format", "mp3"]) == 0
    info = sf.info(tmp_path / "vocals.mp3")
    assert info.samplerate == 44100 and info.duration == pytest.approx(3.0, abs=0.1)


def test_bad_input_exits_non_zero_with_a_one_line_reason(tmp_path, capsys):
    bad = tmp_path / "notes.wav"
    bad.write_text("these are not samples")
    assert main([str(bad), "-o", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and "not an audio file" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_target_the_model_lacks_is_refused(clip_path, tmp_path, capsys):
    assert main([str(clip_path), "-o", str(tmp_path), "--target", "drums"]) == 2
    assert "no target 'drums'" in capsys.readouterr().err


def test_keep_rate_writes_stems_at_the_inputs_own_rate(tmp_path):
    t = np.arange(48000 * 2) / 48000
    mix = 0.3 * np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 3000 * t)], axis=1)
    sf.write(tmp_path / "in48k.wav", mix, 48000, subtype="FLOAT")
    out = tmp_path / "out"
    args = [
        str(tmp_path / "in48k.wav"),
        "-o",
        str(out),
        "-q",
        "--keep-rate",
        "--wav-depth",
        "float",
    ]
    assert main(args) == 0
    stems = [sf.read(out / f"{name}.wav", always_2d=True) for name in ("vocals", "accompaniment")]
    assert all(rate == 48000 and len(data) == len(mix) for data, rate in stems)
    steady = slice(2400, -2400)  # away from the resampler's edges
    assert np.abs((stems[0][0] + stems[1][0] - mix)[steady]).max() < 1e-3


def test_the_htdemucs_model_runs_from_a_local_folder_with_its_knobs(
    demucs_repo, clip_path, tmp_path, capsys
):
    args = [str(clip_path), "-o", str(tmp_path), "--model", "htdemucs"]
    args += ["--model-dir", str(demucs_repo), "--target", "drums", "--wav-depth", "float"]
    args += ["--overlap", "0.5", "--segment", "1", "--batch-size", "6"]
    assert main(args) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drums.wav", "no_drums.wav"]
    assert "100%" in capsys.readouterr().err  # the progress bar, without -q


def test_the_wiener_flag_reaches_the_engine(clip_path, unet_all, tmp_path):
    assert main([str(clip_path), "-o", str(tmp_path), "-q", "--wiener", "0"]) == 0
    vocals, _ = sf.read(tmp_path / "vocals.wav", dtype="float32")
    filtered = unet_all["vocals"].T  # the default: one Wiener iteration
    change = np.square(vocals - filtered).sum() / np.square(filtered).sum()
    assert change > 1e-3  # the ratio mask's vocals (16-bit WAV noise is far below that)


def test_a_missing_model_folder_is_a_one_line_error(clip_path, tmp_path, capsys):
    args = [str(clip_path), "-o", str(tmp_path / "out"), "--model", "htdemucs"]
    assert main([*args, "--model-dir", str(tmp_path / "nowhere")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("error: Demucs model folder")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--half"], "error: Half precision runs on CUDA only; this separator runs on cpu."),
        (["--overlap", "0.5"], "error: Model 'unet-2stems' has no 'overlap' option"),
        (["--segment", "0.1"], "error: Model 'unet-2stems' has no 'segment' option"),
        (["--batch-size", "0"], "error: The batch size must be between 1 and 256, not 0."),
        (["--wiener", "11"], "error: The number of Wiener iterations must be between 0 and 10"),
        (
            ["--model", "htdemucs", "--wiener", "1"],
            "error: Model 'htdemucs' has no 'wiener' option",
        ),
    ],
)
def test_a_knob_that_cannot_apply_is_a_one_line_error(clip_path, tmp_path, capsys, flags, message):
    assert main([str(clip_path), "-o", str(tmp_path / "out"), "--device", "cpu", *flags]) == 2
    assert capsys.readouterr().err.strip().startswith(message)
    assert not (tmp_path / "out").exists()


def test_a_knob_that_is_not_a_number_is_a_usage_error(clip_path, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(clip_path), "-o", str(tmp_path), "--batch-size", "two"])
    assert exit_info.value.code == 2
    assert "--batch-size: invalid int value: 'two'" in capsys.readouterr().err
