"""Store an ONNX graph's convolution weights in fewer bits while it still computes in float32.

Each Conv/ConvTranspose weight becomes a small initializer followed by a Cast (fp16), or a
Cast and a per-output-channel scale (int8, symmetric). The graph's arithmetic stays float32
(onnxruntime-web's WASM backend runs fp16 slowly or not at all), and since those nodes only
read constants, onnxruntime folds them back into float32 weights when it loads the model:
the file shrinks, the speed does not change.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PRECISIONS = ("fp32", "fp16", "int8", "int8-fp16")
# In "int8-fp16", weights with at least this many values are int8 and the rest fp16: the
# three inner levels of each U-Net's encoder and decoder (98 % of the weights) against the
# outer levels and the head, which cost the most dB when quantized and the fewest bytes.
INT8_MIN_VALUES = 150_000
FLOAT = TensorProto.FLOAT


def store_weights(model: onnx.ModelProto, precision: str) -> None:
    """Rewrite `model`'s float32 convolution weights in place to be stored as `precision`."""
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}; choose one of {PRECISIONS}.")
    if precision == "fp32":
        return
    graph = model.graph
    weight_axis = _conv_weights(graph)
    kept: list[TensorProto] = []
    added: list[TensorProto] = []
    decoders: list[onnx.NodeProto] = []
    for init in graph.initializer:
        axis = weight_axis.get(init.name)
        array = numpy_helper.to_array(init)
        if axis is None or array.dtype != np.float32:
            kept.append(init)
            continue
        int8 = precision == "int8" or (precision == "int8-fp16" and array.size >= INT8_MIN_VALUES)
        tensors, nodes = _as_int8(init.name, array, axis) if int8 else _as_fp16(init.name, array)
        added += tensors
        decoders += nodes
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    # The decoding nodes go first so the node list stays topologically sorted.
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(decoders + nodes)


def _conv_weights(graph: onnx.GraphProto) -> dict[str, int]:
    """Map each initializer used only as a convolution weight to its output-channel axis."""
    axes: dict[str, int] = {}
    other: set[str] = set()
    for node in graph.node:
        for position, name in enumerate(node.input):
            if position == 1 and node.op_type in ("Conv", "ConvTranspose"):
                # Conv weights are (out, in, kh, kw); ConvTranspose's (in, out, kh, kw).
                axes[name] = 1 if node.op_type == "ConvTranspose" else 0
            else:
                other.add(name)
    return {name: axis for name, axis in axes.items() if name not in other}


def _as_fp16(name: str, array: np.ndarray) -> tuple[list[TensorProto], list[onnx.NodeProto]]:
    stored = numpy_helper.from_array(array.astype(np.float16), f"{name}.fp16")
    cast = helper.make_node(
        "Cast", [stored.name], [name], name=f"{name}.cast", to=TensorProto.FLOAT
    )
    return [stored], [cast]


def _as_int8(
    name: str, array: np.ndarray, axis: int
) -> tuple[list[TensorProto], list[onnx.NodeProto]]:
    others = tuple(d for d in range(array.ndim) if d != axis)
    shape = [1] * array.ndim
    shape[axis] = -1
    scale = np.abs(array).max(axis=others) / 127
    scale = np.where(scale > 0, scale, 1).astype(np.float32).reshape(shape)
    values = np.clip(np.rint(array / scale), -127, 127).astype(np.int8)
    stored = numpy_helper.from_array(values, f"{name}.int8")
    scales = numpy_helper.from_array(scale, f"{name}.scale")
    # Cast + Mul rather than DequantizeLinear: onnxruntime keeps DequantizeLinear unfolded
    # (for its QDQ fusions) and would dequantize on every run; these it folds at load.
    cast = helper.make_node(
        "Cast", [stored.name], [f"{name}.float"], name=f"{name}.cast", to=TensorProto.FLOAT
    )
    scaled = helper.make_node("Mul", [f"{name}.float", scales.name], [name], name=f"{name}.scale")
    return [stored, scales], [cast, scaled]


def stored_weights(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Return the float32 weights the graph computes with, decoded from what it stores.

    The same arithmetic onnxruntime folds at load (Cast, then Mul by the scale); keyed by
    the weight's name in the exported module's state dict.
    """
    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    decoded: dict[str, np.ndarray] = {}
    for node in model.graph.node:
        if node.op_type == "Cast" and node.input[0] in values:
            decoded[node.output[0]] = values[node.input[0]].astype(np.float32)
        elif node.op_type == "Mul" and node.input[0] in decoded and node.input[1] in values:
            decoded[node.output[0]] = decoded.pop(node.input[0]) * values[node.input[1]]
    return decoded
