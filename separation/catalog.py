"""The models the engine offers and the stems each target mode produces.

This module has no heavy imports, so a web process can validate requests with it.
"""

from dataclasses import dataclass

from separation.errors import InvalidOptions


@dataclass(frozen=True)
class ModelSpec:
    name: str
    stems: tuple[str, ...]
    description: str
    knobs: tuple[str, ...]  # the `options.Options` fields its backend takes


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "unet-2stems",
            ("vocals", "accompaniment"),
            "Spleeter-architecture U-Net with pretrained 2-stem weights: vocals / accompaniment",
            # Its chunks are whole network segments, exact without overlap: no overlap, no segment.
            ("half", "batch_size", "wiener"),
        ),
        ModelSpec(
            "htdemucs",
            ("drums", "bass", "other", "vocals"),
            "Hybrid Transformer Demucs v4: drums / bass / other / vocals",
            ("overlap", "segment", "half", "batch_size"),
        ),
    )
}
DEFAULT_MODEL = "unet-2stems"
ALL = "all"


def get_spec(model: str) -> ModelSpec:
    """Return the spec of `model`, or raise InvalidOptions naming the known models."""
    try:
        return MODELS[model]
    except KeyError:
        known = ", ".join(MODELS)
        raise InvalidOptions(f"Unknown model {model!r}; choose one of: {known}.") from None


def targets(model: str) -> tuple[str, ...]:
    """Return the target modes `model` accepts: 'all' and each of its stems."""
    return (ALL, *get_spec(model).stems)


def output_stems(model: str, target: str) -> tuple[str, ...]:
    """Return the stem names a separation with `model` and `target` produces.

    'all' gives every stem of the model; a single stem X gives X and no_X.
    """
    spec = get_spec(model)
    if target == ALL:
        return spec.stems
    if target not in spec.stems:
        choices = ", ".join(targets(model))
        raise InvalidOptions(f"Model {model!r} has no target {target!r}; choose one of: {choices}.")
    return (target, f"no_{target}")
