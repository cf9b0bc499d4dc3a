"""A multichannel Wiener filter in torch: the EM of Nugraha, Liutkus and Vincent.

The same algorithm as `norbert.wiener` (the reference Spleeter's "MWF"): a soft mask
gives the first source estimates, then each EM iteration fits every source a power
spectral density per (frame, bin) and a spatial covariance per bin, and separates the
mixture again with the multichannel Wiener gains. Vectorised over frames and bins; the
channel covariances are 1x1 or 2x2 Hermitian, so their inverses are written out.

`RunningWiener` filters a song chunk by chunk with flat memory: each spatial covariance
is estimated from every frame seen so far (the current chunk included), which on the
first chunk of a song is the whole-input estimate of `norbert.wiener`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

SOURCES_LAYOUT = "(frames, bins, channels, sources)"
MIXTURE_LAYOUT = "(frames, bins, channels)"
# norbert brings the mixture to a peak of at most this before the EM, and so do we.
PEAK = 10.0
# Frames filtered at once: small enough that a block's tensors stay in the CPU's cache.
BLOCK = 64


def wiener(
    estimates: torch.Tensor,
    mixture: torch.Tensor,
    iterations: int = 1,
    exponent: float = 1.0,
    eps: float | None = None,
) -> torch.Tensor:
    """Return the complex STFTs of the sources (frames, bins, channels, sources).

    `estimates` are the raw nonnegative magnitudes of the sources (frames, bins,
    channels, sources), `mixture` the complex STFT (frames, bins, channels), as in
    norbert. The estimates are raised to `exponent` and soft-masked; `iterations` EM
    iterations follow (0 keeps the soft mask). Computes in the mixture's precision;
    `eps` defaults to that precision's machine epsilon, as in norbert.
    """
    _check(estimates, mixture, iterations)
    running = RunningWiener(iterations, exponent, eps)
    sources = running(estimates.permute(3, 2, 1, 0), mixture.permute(2, 1, 0))
    return sources.permute(3, 2, 1, 0)


class RunningWiener:
    """The Wiener filter over consecutive chunks of one song, in the engine's layout.

    Call it with each chunk's estimates (sources, channels, bins, frames) and complex
    mixture (channels, bins, frames), in order; each EM iteration keeps running sums
    for the spatial covariances, so a chunk is filtered with what the song so far says
    about where each source sits in the stereo field.
    """

    def __init__(self, iterations: int = 1, exponent: float = 1.0, eps: float | None = None):
        if iterations < 0:
            raise ValueError("the number of EM iterations cannot be negative")
        self.iterations = iterations
        self.exponent = exponent
        self.eps = eps
        self._sums: list[_CovarianceSums | None] = [None] * iterations

    def __call__(
        self,
        estimates: torch.Tensor,
        mixture: torch.Tensor,
        keep: int | None = None,
        out: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Return the sources' complex STFTs (sources, channels, bins, frames) of a chunk.

        With `keep` only that source is computed and returned, (channels, bins, frames),
        written into `out` when given. The frames go through in blocks of BLOCK, so the
        working memory is a few blocks' worth whatever the chunk's length.
        """
        real = mixture.real.dtype
        eps = torch.finfo(real).eps if self.eps is None else self.eps
        frames = mixture.shape[-1]
        blocks = [slice(i, min(i + BLOCK, frames)) for i in range(0, frames, BLOCK)]
        shape = (estimates.shape[0], *mixture.shape) if keep is None else mixture.shape
        out = mixture.new_empty(shape) if out is None else out
        masks = (self._mask(estimates[..., block], eps, real) for block in blocks)
        if self.iterations == 0:
            for block, mask in zip(blocks, masks, strict=True):
                out[..., block] = (mask if keep is None else mask[keep]) * mixture[..., block]
            return out
        # norbert scales the mixture to a peak of PEAK before the EM. Scaling changes
        # only the regularisation's weight, so that weight is scaled instead (s^2 eps).
        peak = max(float(_power(mixture[..., block]).max()) for block in blocks) ** 0.5
        weight = max(1.0, peak / PEAK) ** 2
        psd = mixture.new_empty(estimates.shape[:1] + mixture.shape[1:], dtype=real)
        moments = (
            _Moments.of_masked(m, mixture[..., b]) for b, m in zip(blocks, masks, strict=True)
        )
        spatial = self._fit(0, blocks, moments, psd, eps * weight)
        for i in range(1, self.iterations):
            # Lazily, block by block: each block reads its PSDs before _fit replaces them.
            sources = (
                _separate(psd[..., b], spatial, mixture[..., b], eps, weight, None) for b in blocks
            )
            moments = (_Moments.of_sources(y) for y in sources)
            spatial = self._fit(i, blocks, moments, psd, eps * weight)
        for block in blocks:
            out[..., block] = _separate(
                psd[..., block], spatial, mixture[..., block], eps, weight, keep
            )
        return out

    def _mask(self, estimates: torch.Tensor, eps: float, real: torch.dtype) -> torch.Tensor:
        """The soft mask of `estimates` raised to the exponent (the EM's starting point)."""
        power = estimates.to(real)
        if self.exponent != 1:
            power = power**self.exponent
        return power / (eps + power.sum(dim=0))

    def _fit(
        self,
        iteration: int,
        blocks: list[slice],
        moments: Iterator[_Moments],
        psd: torch.Tensor,
        eps: float,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Add the chunk's `moments` to the iteration's running sums, keep their PSDs in
        `psd`, and return the spatial covariances the sums now give."""
        sums = self._sums[iteration]
        for block, part in zip(blocks, moments, strict=True):
            sums = _CovarianceSums.add(sums, part)
            psd[..., block] = part.psd
        assert sums is not None
        self._sums[iteration] = sums
        return sums.spatial(eps, psd)


def _pick(tensor: torch.Tensor, keep: int | None) -> torch.Tensor:
    return tensor if keep is None else tensor[keep : keep + 1]


@dataclass
class _Moments:
    """One chunk's source statistics: the PSD per (source, bin, frame), and per source
    and bin the sums over frames of y y^H (r00, r11 real, r01 complex)."""

    psd: torch.Tensor
    r00: torch.Tensor
    r11: torch.Tensor
    r01: torch.Tensor

    @classmethod
    def of_masked(cls, mask: torch.Tensor, mixture: torch.Tensor) -> _Moments:
        """The moments of y = mask * mixture, without forming the complex y."""
        power = mask.square() * _power(mixture)
        cross = mask[:, 0] * mask[:, -1]
        mix_cross = torch.view_as_real(mixture[0] * mixture[-1].conj())
        r01 = torch.einsum("sbf,bfk->sbk", cross, mix_cross)
        return cls._of(power, torch.view_as_complex(r01.contiguous()))

    @classmethod
    def of_sources(cls, sources: torch.Tensor) -> _Moments:
        """The moments of complex sources (sources, channels, bins, frames)."""
        r01 = (sources[:, 0] * sources[:, -1].conj()).sum(-1)
        return cls._of(_power(sources), r01)

    @classmethod
    def _of(cls, power: torch.Tensor, r01: torch.Tensor) -> _Moments:
        sums = power.sum(-1)
        return cls(power.mean(dim=1), sums[:, 0], sums[:, -1], r01)


@dataclass
class _CovarianceSums:
    """Per source and bin, the sums over every frame so far of y y^H and of the PSD, in
    double precision (songs are long) and on the CPU (Apple's MPS has no float64)."""

    r00: torch.Tensor
    r11: torch.Tensor
    r01: torch.Tensor
    psd: torch.Tensor

    @classmethod
    def add(cls, sums: _CovarianceSums | None, moments: _Moments) -> _CovarianceSums:
        """Return `sums` with the frames of `moments` added."""
        new = cls(
            moments.r00.to("cpu", torch.float64),
            moments.r11.to("cpu", torch.float64),
            moments.r01.to("cpu", torch.complex128),
            moments.psd.sum(-1).to("cpu", torch.float64),
        )
        if sums is None:
            return new
        return cls(sums.r00 + new.r00, sums.r11 + new.r11, sums.r01 + new.r01, sums.psd + new.psd)

    def spatial(
        self, eps: float, like: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return each source's spatial covariance (r00, r11, r01), (sources, bins, 1), on
        the device and in the precision of the real tensor `like`."""
        weight = eps + self.psd
        real = like.dtype
        complex_ = torch.complex64 if real == torch.float32 else torch.complex128
        return (
            (self.r00 / weight).to(like.device, real).unsqueeze(-1),
            (self.r11 / weight).to(like.device, real).unsqueeze(-1),
            (self.r01 / weight).to(like.device, complex_).unsqueeze(-1),
        )


def _separate(
    psd: torch.Tensor,
    spatial: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    mixture: torch.Tensor,
    eps: float,
    weight: float,
    keep: int | None,
) -> torch.Tensor:
    """Return psd_j R_j Cxx^-1 x for every source j (or only `keep`).

    Cxx = sum_j psd_j R_j + weight sqrt(eps) I is Hermitian, so the 2x2 inverse needs
    a, d (real) and b (complex) only; a 1x1 gets weight eps added too, as in norbert.
    """
    r00, r11, r01 = spatial
    regularisation = weight * math.sqrt(eps)
    a = (psd * r00).sum(dim=0) + regularisation
    psd_out, r00_out = _pick(psd, keep), _pick(r00, keep)
    if mixture.shape[0] == 1:
        inverse = 1 / (a + weight * eps)
        return _times_real(mixture[0], psd_out * r00_out * inverse).unsqueeze(1)
    d = (psd * r11).sum(dim=0) + regularisation
    b_real, b_imag = (psd * r01.real).sum(dim=0), (psd * r01.imag).sum(dim=0)
    inverse = 1 / (a * d - b_real.square() - b_imag.square())
    b = torch.complex(b_real * inverse, b_imag * inverse)  # b / det
    x0, x1 = mixture[0], mixture[1]
    w0 = _times_real(x0, d * inverse) - b * x1
    w1 = _times_real(x1, a * inverse) - b.conj() * x0
    r11_out, r01_out = _pick(r11, keep), _pick(r01, keep)
    y0 = _times_real(r01_out * w1, psd_out) + _times_real(w0, psd_out * r00_out)
    y1 = _times_real(r01_out.conj() * w0, psd_out) + _times_real(w1, psd_out * r11_out)
    return torch.stack((y0, y1), dim=1)


def _times_real(z: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """z * r for complex z and real r, without first turning r into a complex tensor."""
    return torch.view_as_complex(torch.view_as_real(z) * r.unsqueeze(-1))


def _power(z: torch.Tensor) -> torch.Tensor:
    """|z|^2 without the square root that abs() takes."""
    return torch.view_as_real(z).square().sum(-1)


def _check(estimates: torch.Tensor, mixture: torch.Tensor, iterations: int) -> None:
    """Raise ValueError when the shapes or arguments cannot describe a separation."""
    if mixture.dim() != 3 or not mixture.is_complex():
        raise ValueError(f"the mixture must be a complex STFT {MIXTURE_LAYOUT}")
    if estimates.dim() != 4 or estimates.shape[:3] != mixture.shape:
        raise ValueError(f"the estimates must be {SOURCES_LAYOUT} matching the mixture")
    if mixture.shape[-1] not in (1, 2):
        raise ValueError("the Wiener filter takes mono or stereo, not more channels")
    if iterations < 0:
        raise ValueError("the number of EM iterations cannot be negative")
