"""A stand-in separator, so task tests run the real pipeline without model weights."""

import numpy as np

from separation import catalog


class FakeSeparator:
    """Split the mix into equal parts per stem (they add up to the mix), reporting progress."""

    def __init__(self, model: str, *, steps: int = 4, on_step=None) -> None:
        self.model = model
        self.steps = steps
        self.on_step = on_step
        self.calls = 0

    def separate(self, mix: np.ndarray, target: str = "all", progress=None, *, inplace=False):
        self.calls += 1
        names = catalog.output_stems(self.model, target)
        for step in range(1, self.steps + 1):
            if self.on_step:
                self.on_step(step)
            if progress:
                progress(step / self.steps)
        return {name: (mix / len(names)).astype(np.float32) for name in names}
