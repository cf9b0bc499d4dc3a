"""A streaming inverse STFT: frames arrive in chunks, finished samples come out in order.

Overlap-add with the squared-window normalisation of torch.istft(center=True), computed
chunk by chunk with a carried tail, so the result equals the whole-signal inverse STFT
while memory holds only one chunk of frames.
"""

import torch
import torch.nn.functional as F


class StreamingISTFT:
    """Inverse of torch.stft(center=True, pad_mode='constant') for a signal of `length`."""

    def __init__(self, window: torch.Tensor, hop: int, length: int) -> None:
        self.window = window
        self.n_fft = window.shape[0]
        self.hop = hop
        self.length = length
        self.total_frames = length // hop + 1
        self._frames_seen = 0
        self._tail = torch.zeros(0, device=window.device)
        self._tail_env = torch.zeros(0, device=window.device)

    def push(self, spec: torch.Tensor) -> tuple[int, torch.Tensor]:
        """Add complex frames (..., bins, frames); return (start, samples) now complete.

        `start` is the index in the original signal of the first returned sample.
        """
        frames = spec.shape[-1]
        lead = spec.shape[:-2]
        signal = torch.fft.irfft(spec, n=self.n_fft, dim=-2) * self.window[:, None]
        span = (frames - 1) * self.hop + self.n_fft
        summed = _overlap_add(signal.reshape(-1, self.n_fft, frames), self.hop, span)
        env = _overlap_add(
            (self.window**2)[None, :, None].expand(1, self.n_fft, frames), self.hop, span
        )[0]
        summed = summed.reshape(*lead, span)
        keep = self._tail.shape[-1]
        if keep:
            summed[..., :keep] += self._tail
            env[:keep] += self._tail_env
        first = self._frames_seen * self.hop  # position in the centre-padded signal
        self._frames_seen += frames
        last_chunk = self._frames_seen >= self.total_frames
        done = span if last_chunk else frames * self.hop
        self._tail, self._tail_env = summed[..., done:], env[done:]
        out = summed[..., :done] / env[:done].clamp_min(1e-11)
        return self._crop(first, out)

    def _crop(self, first: int, out: torch.Tensor) -> tuple[int, torch.Tensor]:
        """Drop the centre padding (n_fft // 2 each side) and anything past `length`."""
        pad = self.n_fft // 2
        start = max(first, pad)
        end = min(first + out.shape[-1], pad + self.length)
        return start - pad, out[..., start - first : max(end - first, start - first)]


def _overlap_add(frames: torch.Tensor, hop: int, span: int) -> torch.Tensor:
    """Sum (channels, n_fft, frames) windows placed every `hop` samples into (channels, span)."""
    n_fft = frames.shape[1]
    out = F.fold(frames, output_size=(1, span), kernel_size=(1, n_fft), stride=(1, hop))
    return out[:, 0, 0, :]
