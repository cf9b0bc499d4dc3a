"""The excerpt a free preview separates: the most energetic window that fits in the song."""

import numpy as np

from separation.excerpt import most_energetic_start

RATE = 1000


def quiet_with_loud_part(seconds: int, loud_from: int, loud_to: int) -> np.ndarray:
    samples = np.full((2, seconds * RATE), 0.01, dtype=np.float32)
    samples[:, loud_from * RATE : loud_to * RATE] = 0.5
    return samples


def test_it_picks_the_window_with_the_most_energy():
    samples = quiet_with_loud_part(100, 60, 75)

    assert most_energetic_start(samples, RATE, 15) == 60.0


def test_a_song_shorter_than_the_window_starts_at_zero():
    assert most_energetic_start(quiet_with_loud_part(5, 1, 2), RATE, 30) == 0.0


def test_the_window_always_fits_inside_the_song():
    samples = quiet_with_loud_part(40, 35, 40)

    assert most_energetic_start(samples, RATE, 10) == 30.0


def test_a_hop_coarser_than_a_second_still_finds_the_loud_part():
    samples = quiet_with_loud_part(100, 40, 50)

    assert most_energetic_start(samples, RATE, 10, hop_s=5.0) == 40.0
