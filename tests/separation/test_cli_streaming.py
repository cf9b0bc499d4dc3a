"""The command line on long files: streamed, no limit unless asked, never half-written.

An error is one line and exit code 2; Ctrl-C (or SIGTERM) exits with 130; in every case
the output folder holds all the stems or none of them.
"""

import errno
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from separation.audio import SAMPLE_RATE, AudioWriter
from separation.cli import main

ROOT = Path(__file__).resolve().parents[2]


def flac_of(song, path, seconds):
    """Write `seconds` of `song`, tiled, as a 16-bit FLAC."""
    total = int(seconds * SAMPLE_RATE)
    with AudioWriter(path, SAMPLE_RATE, "flac") as writer:
        for start in range(0, total, song.shape[1]):
            writer.write(song[:, : min(song.shape[1], total - start)])
    return path


def test_the_stems_of_a_multi_block_file_equal_the_in_memory_ones(
    demucs_repo, htdemucs_all, clip_path, tmp_path, capsys
):
    args = [str(clip_path), "-o", str(tmp_path), "-q", "--model", "htdemucs"]
    assert main([*args, "--model-dir", str(demucs_repo), "--wav-depth", "float"]) == 0

    assert capsys.readouterr().out.split() == [str(tmp_path / f"{n}.wav") for n in htdemucs_all]
    for name, expected in htdemucs_all.items():
        written = sf.read(tmp_path / f"{name}.wav", always_2d=True, dtype="float32")[0].T
        assert np.abs(written - expected).max() < 1e-5


def test_max_duration_is_optional_and_refuses_longer_files_in_one_line(song, tmp_path, capsys):
    path = flac_of(song, tmp_path / "long.flac", 40)

    assert main([str(path), "-o", str(tmp_path / "out"), "-q", "--max-duration", "30"]) == 2

    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and "0:40" in line and "0:30 min" in line
    assert not (tmp_path / "out").exists()
    assert main([str(path), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert sf.info(tmp_path / "out" / "vocals.wav").frames == 40 * SAMPLE_RATE


def test_a_disk_that_fills_up_halfway_is_one_line_and_leaves_nothing(
    clip_path, tmp_path, capsys, monkeypatch
):
    calls = []
    write = AudioWriter.write

    def fill_up(self, samples):
        calls.append(1)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        write(self, samples)

    monkeypatch.setattr(AudioWriter, "write", fill_up)
    out = tmp_path / "out"

    assert main([str(clip_path), "-o", str(out), "-q"]) == 2

    err = capsys.readouterr().err
    assert err == f"error: Could not write the stems in {out}: No space left on device.\n"
    assert not out.exists()


def test_an_output_path_that_is_a_file_is_one_line(clip_path, tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")

    assert main([str(clip_path), "-o", str(tmp_path / "taken"), "-q"]) == 2

    assert capsys.readouterr().err.startswith(f"error: Could not write the stems in {tmp_path}")
    assert (tmp_path / "taken").read_text() == "not a folder"


@pytest.mark.slow  # a second Python that imports torch, stopped halfway through a minute
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_halfway_leaves_no_partial_files(song, demucs_repo, tmp_path, signum):
    source = flac_of(song, tmp_path / "minute.flac", 60)
    out = tmp_path / "out"
    args = [str(source), "-o", str(out), "-q", "--model", "htdemucs"]
    args += ["--model-dir", str(demucs_repo), "--threads", "1"]
    child = subprocess.Popen(
        [sys.executable, "-m", "separation", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob(".partial-stems-*/*.master.wav")):
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the stems never started"
            time.sleep(0.2)
        child.send_signal(signum)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        child.kill()

    assert child.returncode == 130
    assert stderr.strip().splitlines() == ["interrupted: no stems were written."]
    assert stdout == ""
    assert not out.exists()
