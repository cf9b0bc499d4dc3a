"""Our U-Net layers: the sub-pixel decoder equals Spleeter's transposed convolution."""

import pytest
import torch

from separation.pretrained import load_spleeter_unet
from separation.unet import DecoderBlock, UNet, spleeter_key


@pytest.mark.parametrize(("cin", "cout", "size"), [(512, 256, (8, 16)), (32, 1, (16, 8))])
def test_the_sub_pixel_decoder_computes_the_same_as_the_transposed_convolution(cin, cout, size):
    torch.manual_seed(0)
    block = DecoderBlock(cin, cout).eval()
    x = torch.randn(2, cin, *size)
    with torch.no_grad():
        expected = block(x)
        block.use_subpixel()
        got = block(x)
    assert block.deconv is None
    assert got.shape == expected.shape == (2, cout, 2 * size[0], 2 * size[1])
    assert (got - expected).abs().max() < 1e-4


def test_the_pretrained_unet_gives_the_same_masks_either_way():
    reference = load_spleeter_unet("accompaniment")
    fast = load_spleeter_unet("accompaniment").use_subpixel()
    x = torch.rand(1, 2, 512, 1024)
    with torch.no_grad():
        assert (fast(x) - reference(x)).abs().max() < 1e-4


def test_every_parameter_maps_to_a_spleeter_checkpoint_key():
    keys = {spleeter_key(name) for name in UNet().state_dict()}
    assert "down1_conv.1.weight" in keys
    assert "down6_act.0.running_var" in keys
    assert "up6.0.weight" in keys and "up6.3.bias" in keys
    assert "up7.0.weight" in keys
    assert len(keys) == len(UNet().state_dict())
