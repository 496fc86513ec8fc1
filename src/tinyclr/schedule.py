"""Per-step learning-rate schedule: linear warm-up, then cosine decay to zero or a constant."""

from __future__ import annotations

import math

import torch


class WarmupSchedule:
    """Multiplier of the base learning rate at each optimizer step, for ``LambdaLR``.

    The schedule is set per step, unlike the sthalles/SimCLR base code, which steps a cosine
    schedule once per epoch after 10 epochs at the base rate. Variants with different batch
    sizes, and so different numbers of steps per epoch, thus follow the same curve per epoch. Warm-up rises linearly to 1
    over ``warmup_steps``. After it, ``cosine`` decays to 0 at ``total_steps`` and ``constant``
    stays at 1. A plain class instead of a lambda lets ``LambdaLR.state_dict`` save it.
    """

    def __init__(self, kind: str, total_steps: int, warmup_steps: int) -> None:
        if kind not in ("cosine", "constant"):
            raise ValueError(f"schedule = {kind!r} is invalid: choose one of cosine, constant")
        if total_steps < 1 or not 0 <= warmup_steps <= total_steps:
            raise ValueError(
                f"invalid schedule lengths: warmup_steps {warmup_steps}, total_steps {total_steps}"
            )
        self.kind = kind
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps

    def __call__(self, step: int) -> float:
        """Return the multiplier for the update made at 0-based ``step``."""
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        if self.kind == "constant":
            return 1.0
        decay_steps = self.total_steps - self.warmup_steps
        progress = min((step - self.warmup_steps) / max(decay_steps, 1), 1.0)
        return 0.5 * (1.0 + math.cos(math.pi * progress))


def build_scheduler(
    optimizer: torch.optim.Optimizer,
    kind: str,
    epochs: int,
    steps_per_epoch: int,
    warmup_epochs: float,
) -> torch.optim.lr_scheduler.LambdaLR:
    """Build a scheduler to be stepped once per optimizer step."""
    total_steps = epochs * steps_per_epoch
    warmup_steps = min(round(warmup_epochs * steps_per_epoch), total_steps)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, WarmupSchedule(kind, total_steps, warmup_steps)
    )
