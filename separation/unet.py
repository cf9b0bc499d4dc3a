"""The Spleeter U-Net: a 6-level convolutional encoder/decoder that predicts a soft mask.

Input and output are magnitude spectrograms shaped (batch, 2 channels, frames, bins);
the network returns mask * input, as Spleeter's does, so ratios of two networks'
outputs give the separation masks.
"""

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

ENCODER_CHANNELS = (16, 32, 64, 128, 256, 512)


class EncoderBlock(nn.Module):
    """5x5 stride-2 convolution with TensorFlow 'same' padding, then batch norm."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=5, stride=2)
        self.bn = nn.BatchNorm2d(out_channels, eps=1e-3, momentum=0.01)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (pre-activation output for the skip connection, activated output)."""
        conv = self.conv(F.pad(x, (1, 2, 1, 2)))
        return conv, F.leaky_relu(self.bn(conv), 0.2)


# Which 5-tap kernel index feeds each of the 3 input rows (x[q-1], x[q], x[q+1]) for the
# even (0) and odd (1) rows of the cropped stride-2 transposed convolution's output.
_PHASE_TAPS = ((3, 1, None), (4, 2, 0))


class DecoderBlock(nn.Module):
    """5x5 stride-2 transposed convolution cropped like TensorFlow, ReLU, batch norm.

    For inference the transposed convolution can be rewritten as one 3x3 convolution
    with four times the output channels followed by a pixel shuffle (`use_subpixel`):
    the same arithmetic, on the regular-convolution kernels, which are faster on CPU.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.deconv: nn.ConvTranspose2d | None = nn.ConvTranspose2d(
            in_channels, out_channels, kernel_size=5, stride=2
        )
        self.bn = nn.BatchNorm2d(out_channels, eps=1e-3, momentum=0.01)
        self.register_buffer("phase_weight", None)
        self.register_buffer("phase_bias", None)

    def use_subpixel(self) -> None:
        """Precompute the 3x3 phase kernels that replace the transposed convolution."""
        assert self.deconv is not None, "already switched to the sub-pixel form"
        weight = self.deconv.weight.detach()  # (in, out, 5, 5)
        cin, cout = weight.shape[:2]
        kernel = weight.new_zeros(cout, 2, 2, cin, 3, 3)
        for row_phase, row_taps in enumerate(_PHASE_TAPS):
            for col_phase, col_taps in enumerate(_PHASE_TAPS):
                for a, kh in enumerate(row_taps):
                    for b, kw in enumerate(col_taps):
                        if kh is not None and kw is not None:
                            kernel[:, row_phase, col_phase, :, a, b] = weight[:, :, kh, kw].T
        bias = self.deconv.bias
        assert bias is not None
        self.phase_bias = bias.detach().repeat_interleave(4)
        self.phase_weight = kernel.reshape(cout * 4, cin, 3, 3)
        self.deconv = None  # its weights now live in the phase kernels; free them

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.deconv is not None:
            up = self.deconv(x)[:, :, 1:-2, 1:-2]
        else:
            up = F.conv2d(x, self.phase_weight, self.phase_bias, padding=1)
            up = F.pixel_shuffle(up, 2)
        return cast(torch.Tensor, self.bn(F.relu(up)))


class UNet(nn.Module):
    """Spleeter's U-Net for one source; dropout is omitted since it is inference only."""

    def __init__(self, in_channels: int = 2) -> None:
        super().__init__()
        widths = (in_channels, *ENCODER_CHANNELS)
        self.encoder = nn.ModuleList(
            EncoderBlock(widths[i], widths[i + 1]) for i in range(len(ENCODER_CHANNELS))
        )
        # Each decoder level after the first takes its input concatenated with a skip.
        outs = (256, 128, 64, 32, 16, 1)
        ins = (512, 512, 256, 128, 64, 32)
        self.decoder = nn.ModuleList(DecoderBlock(i, o) for i, o in zip(ins, outs, strict=True))
        self.head = nn.Conv2d(1, in_channels, kernel_size=4, dilation=2, padding=3)

    def use_subpixel(self) -> "UNet":
        """Switch every decoder level to the faster sub-pixel form (after loading weights)."""
        for block in self.decoder:
            cast(DecoderBlock, block).use_subpixel()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        h = x
        for block in self.encoder:
            conv, h = block(h)
            skips.append(conv)
        h = skips.pop()
        for i, block in enumerate(self.decoder):
            if i > 0:
                h = torch.cat([skips.pop(), h], dim=1)
            h = block(h)
        return torch.sigmoid(self.head(h)) * x


def spleeter_key(name: str) -> str:
    """Translate one of our state-dict keys to the key used in Spleeter's checkpoints."""
    if name.startswith("head."):
        return "up7.0." + name.removeprefix("head.")
    part, index, layer, param = name.split(".", 3)
    level = int(index) + 1
    if part == "encoder":
        return f"down{level}_conv.1.{param}" if layer == "conv" else f"down{level}_act.0.{param}"
    return f"up{level}.0.{param}" if layer == "deconv" else f"up{level}.3.{param}"
