"""A stand-in separator, so task tests run the real pipeline without model weights."""

import numpy as np
import torch

from separation import catalog


class FakeSeparator:
    """Split the mix into equal parts per stem (they add up to the mix), reporting progress.

    Like the real engine it hands the stems over in blocks, one per step.
    """

    device = torch.device("cpu")

    def __init__(self, model: str, *, steps: int = 4, on_step=None) -> None:
        self.model = model
        self.steps = steps
        self.on_step = on_step
        self.calls = 0

    def separate_blocks(self, mix: np.ndarray, target: str = "all", progress=None):
        self.calls += 1
        names = catalog.output_stems(self.model, target)
        return self._blocks(mix, names, progress)

    def _blocks(self, mix: np.ndarray, names: tuple[str, ...], progress):
        size = -(-mix.shape[1] // self.steps)
        for step in range(1, self.steps + 1):
            if self.on_step:
                self.on_step(step)
            if progress:
                progress(step / self.steps)
            start = (step - 1) * size
            part = mix[:, start : start + size]
            if part.shape[1]:
                yield start, self.stems(part, names)

    def stems(self, part: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """The stems of one block of the mix."""
        return {name: (part / len(names)).astype(np.float32) for name in names}
