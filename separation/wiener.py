"""A multichannel Wiener filter in torch: the EM of Nugraha, Liutkus and Vincent.

The same algorithm as `norbert.wiener` (the reference Spleeter's "MWF"): a soft mask
gives the first source estimates, then each EM iteration fits every source a power
spectral density per (frame, bin) and a spatial covariance per bin, and separates the
mixture again with the multichannel Wiener gains. Vectorised over frames and bins; the
channel covariances are 1x1 or 2x2, so their inverses are written out in closed form.
"""

import torch

SOURCES_LAYOUT = "(frames, bins, channels, sources)"
MIXTURE_LAYOUT = "(frames, bins, channels)"


def wiener(
    estimates: torch.Tensor,
    mixture: torch.Tensor,
    iterations: int = 1,
    exponent: float = 1.0,
    eps: float | None = None,
) -> torch.Tensor:
    """Return the complex STFTs of the sources (frames, bins, channels, sources).

    `estimates` are the raw nonnegative magnitudes of the sources (frames, bins,
    channels, sources), `mixture` the complex STFT (frames, bins, channels). The
    estimates are raised to `exponent` and soft-masked; `iterations` EM iterations
    follow (0 keeps the soft mask). Computes in the mixture's precision; `eps` defaults
    to that precision's machine epsilon, as in norbert.
    """
    _check(estimates, mixture, iterations)
    real = mixture.real.dtype
    eps = torch.finfo(real).eps if eps is None else eps
    sources = soft_mask(estimates.to(real) ** exponent, mixture, eps)
    if iterations == 0:
        return sources
    # norbert brings the mixture to a peak of at most 10 before the EM, and so do we
    scale = max(1.0, float(mixture.abs().max()) / 10.0)
    scaled_mixture = mixture / scale
    sources = sources / scale
    for _ in range(iterations):
        sources = _em_iteration(sources, scaled_mixture, eps)
    return sources * scale


def soft_mask(power: torch.Tensor, mixture: torch.Tensor, eps: float) -> torch.Tensor:
    """Share the mixture between the sources in proportion to `power` (a ratio mask)."""
    mask = power / (eps + power.sum(dim=-1, keepdim=True))
    return mask * mixture.unsqueeze(-1)


def _em_iteration(sources: torch.Tensor, mixture: torch.Tensor, eps: float) -> torch.Tensor:
    """Fit the local Gaussian model to `sources`, then separate `mixture` again with it."""
    psd, spatial = _local_gaussian_model(sources, eps)
    channels = mixture.shape[-1]
    regularization = eps**0.5 * torch.eye(channels, dtype=mixture.dtype, device=mixture.device)
    mix_covariance = torch.einsum("fbs,bcds->fbcd", psd.to(mixture.dtype), spatial)
    whitened = _solve(mix_covariance + regularization, mixture, eps)
    # source j = psd_j * R_j @ Cxx^-1 @ x, the Wiener gain applied without forming it
    filtered = torch.einsum("bcds,fbd->fbcs", spatial, whitened)
    return filtered * psd.unsqueeze(2)


def _local_gaussian_model(sources: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Return each source's PSD (frames, bins, sources) and spatial covariance.

    The PSD is the power averaged over channels; the spatial covariance (bins, channels,
    channels, sources) is the sum over frames of y y^H divided by the summed PSD.
    """
    psd = sources.abs().square().mean(dim=2)
    covariance = torch.einsum("fbcs,fbds->bcds", sources, sources.conj())
    weight = eps + psd.sum(dim=0)
    return psd, covariance / weight[:, None, None, :].to(covariance.dtype)


def _solve(matrices: torch.Tensor, vectors: torch.Tensor, eps: float) -> torch.Tensor:
    """Return M^-1 v for (..., c, c) matrices and (..., c) vectors, c being 1 or 2.

    A 1x1 matrix gets `eps` added first, as norbert does.
    """
    if matrices.shape[-1] == 1:
        return vectors / (matrices[..., 0] + eps)
    a, b = matrices[..., 0, 0], matrices[..., 0, 1]
    c, d = matrices[..., 1, 0], matrices[..., 1, 1]
    x0, x1 = vectors[..., 0], vectors[..., 1]
    det = a * d - b * c
    return torch.stack(((d * x0 - b * x1) / det, (a * x1 - c * x0) / det), dim=-1)


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
