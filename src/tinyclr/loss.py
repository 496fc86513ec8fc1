"""NT-Xent (InfoNCE) loss of SimCLR and the contrastive top-k accuracy."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F


class ContrastiveResult(NamedTuple):
    """Scalar loss (with gradient) and the top-1 and top-5 contrastive accuracy (fractions)."""

    loss: torch.Tensor
    top1: torch.Tensor
    top5: torch.Tensor


def nt_xent(z_a: torch.Tensor, z_b: torch.Tensor, temperature: float) -> ContrastiveResult:
    """Compute the normalised temperature-scaled cross entropy over the 2N views of a batch.

    Chen et al., 2020 (SimCLR), equation 1: with s(i, j) the cosine similarity of projections
    z_i and z_j, and t the temperature, the loss of the positive pair (i, j) is

        l(i, j) = -log( exp(s(i, j) / t) / sum_{k != i} exp(s(i, k) / t) )

    and the loss is the mean of l over all 2N ordered positive pairs, (a_n, b_n) and (b_n, a_n).
    The positive of view a_n is b_n and the other way round. The 2N − 2 views of the other images
    are the negatives, and a view is never compared with itself.

    The top-k accuracy counts the views whose positive is among the k most similar of their
    2N − 1 candidates. Ties count against the positive.

    Args:
        z_a: projections of the first views, shape (N, P).
        z_b: projections of the second views, shape (N, P), row n from the same image as z_a[n].
        temperature: t > 0.
    """
    if z_a.shape != z_b.shape or z_a.ndim != 2:
        raise ValueError(f"expected two (N, P) projections, got {tuple(z_a.shape)} and "
                         f"{tuple(z_b.shape)}")
    n = z_a.shape[0]

    # The similarities stay in float32 even under bf16 autocast: at t = 0.07 a bf16 logit is off by
    # up to about 0.06, which is larger than the gaps that decide the accuracy.
    z = F.normalize(torch.cat([z_a, z_b]).float(), dim=1)  # (2N, P)
    logits = z @ z.T / temperature  # (2N, 2N)
    self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_mask, float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)  # (2N,)

    loss = F.cross_entropy(logits, positives)

    with torch.no_grad():
        positive_logits = logits.gather(1, positives[:, None])  # (2N, 1)
        # Rank 0 means no candidate scores at least as high as the positive.
        rank = (logits >= positive_logits).sum(dim=1) - 1
        top1 = (rank < 1).float().mean()
        top5 = (rank < 5).float().mean()
    return ContrastiveResult(loss, top1, top5)
