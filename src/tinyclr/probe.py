"""Linear probe and weighted kNN classifier on frozen features, as pure functions on arrays.

Both follow the usual self-supervised evaluation protocol: the classifier is fitted on the train
split's features and labels and scored on the val split. Labels are integers ``0 … C-1``; nothing
here assumes a particular number of classes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinearProbeResult:
    """Val accuracies of a fitted linear probe and how the solver ended."""

    top1: float
    top5: float
    iterations: int
    evaluations: int
    final_loss: float


def standardize(train: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both splits to zero mean and unit variance using train statistics only.

    Constant feature columns (zero train variance) are centred but not scaled.
    Shapes: ``train`` (N, D), ``val`` (M, D); returns float32 arrays of the same shapes.
    """
    train = np.asarray(train, dtype=np.float32)
    val = np.asarray(val, dtype=np.float32)
    # Statistics accumulate in float64; the scaling itself stays in float32 to halve the memory.
    mean = train.mean(axis=0, dtype=np.float64)
    std = train.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    mean, std = mean.astype(np.float32), std.astype(np.float32)
    scaled_train = (train - mean) / std
    scaled_val = (val - mean) / std
    return scaled_train, scaled_val


def topk_accuracy(scores: torch.Tensor, labels: torch.Tensor, k: int) -> float:
    """Fraction of rows whose label is among the ``k`` highest scores.

    ``k`` is clipped to the number of classes, so top-5 with 3 classes is always 1.0.
    Shapes: ``scores`` (M, C), ``labels`` (M,).
    """
    k = min(k, scores.shape[1])
    top = scores.topk(k, dim=1).indices
    hits = (top == labels[:, None]).any(dim=1)
    return float(hits.double().mean())


def fit_linear_probe(
    features: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    c: float = 1.0,
    max_iter: int = 100,
    tolerance_grad: float = 1e-5,
) -> tuple[torch.Tensor, torch.Tensor, int, int, float]:
    """Fit multinomial logistic regression with full-batch L-BFGS in float32.

    Minimises ``mean_i CE(W x_i + b, y_i) + ||W||² / (2 C N)``, which is scikit-learn's
    ``LogisticRegression(C=c)`` objective (``||W||²/2 + C Σ_i CE``) divided by ``C N``, so the
    two reach the same optimum; the bias is not penalised. Torch is used instead of
    scikit-learn for its float32 matrix products: bench/bench_evaluate.py fits 100,000 × 512
    features with 200 classes in well under a minute on 2 cores. Weights start at zero and every step uses the whole train set,
    so the fit draws no random numbers and is deterministic on CPU.

    The fit stops when the largest gradient entry falls below ``tolerance_grad`` (scikit-learn
    1.9 stops at ``tol=1e-4`` on the same scaled objective), when a line search makes no
    progress, or after ``max_iter`` objective evaluations. Each evaluation is one pass over the
    train set, so ``max_iter`` bounds the run time; line searches make some iterations use more
    than one evaluation.

    Shapes: ``features`` (N, D) standardized, ``labels`` (N,). Returns weight (D, C),
    bias (C,), the number of L-BFGS iterations and of objective evaluations, and the final
    objective value.
    """
    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    weight = torch.zeros(x.shape[1], num_classes, requires_grad=True)
    bias = torch.zeros(num_classes, requires_grad=True)
    penalty = 1.0 / (2.0 * c * x.shape[0])

    # tolerance_change sits below the float32 resolution of the loss, so it never ends the fit.
    optimizer = torch.optim.LBFGS(
        [weight, bias],
        lr=1.0,
        max_iter=max_iter,
        max_eval=max_iter,
        history_size=10,
        tolerance_grad=tolerance_grad,
        tolerance_change=1e-9,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(x @ weight + bias, y) + penalty * weight.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    iterations = int(optimizer.state[weight].get("n_iter", 0))
    evaluations = int(optimizer.state[weight].get("func_evals", 0))
    with torch.no_grad():
        final_loss = float(F.cross_entropy(x @ weight + bias, y) + penalty * weight.square().sum())
    if evaluations >= max_iter:
        log.warning(
            "linear probe used up max_iter=%d (%d iterations, %d evaluations) before the "
            "gradient tolerance was reached (objective %.4f); raise evaluate.linear_max_iter "
            "for a tighter fit",
            max_iter,
            iterations,
            evaluations,
            final_loss,
        )
    return weight.detach(), bias.detach(), iterations, evaluations, final_loss


def linear_probe(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    val_features: np.ndarray,
    val_labels: np.ndarray,
    num_classes: int,
    c: float = 1.0,
    max_iter: int = 100,
) -> LinearProbeResult:
    """Standardize with train statistics, fit on train, and score top-1 and top-5 on val."""
    train_x, val_x = standardize(train_features, val_features)
    weight, bias, iterations, evaluations, final_loss = fit_linear_probe(
        train_x, train_labels, num_classes, c=c, max_iter=max_iter
    )
    with torch.no_grad():
        scores = torch.from_numpy(val_x) @ weight + bias
    val_y = torch.from_numpy(np.asarray(val_labels, dtype=np.int64))
    return LinearProbeResult(
        top1=topk_accuracy(scores, val_y, 1),
        top5=topk_accuracy(scores, val_y, 5),
        iterations=iterations,
        evaluations=evaluations,
        final_loss=final_loss,
    )


def clip_neighbours(ks: list[int], train_size: int) -> dict[int, int]:
    """Map each requested k to the k actually used, at most ``train_size``, warning on a clip."""
    used = {}
    for k in ks:
        if k > train_size:
            log.warning(
                "kNN k=%d is larger than the train set (%d samples); using k=%d",
                k,
                train_size,
                train_size,
            )
        used[k] = min(k, train_size)
    return used


def knn_class_scores(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    val_features: np.ndarray,
    num_classes: int,
    ks: list[int],
    temperature: float = 0.07,
    chunk_size: int = 1024,
) -> dict[int, torch.Tensor]:
    """Score every class for every val sample by weighted voting of its k nearest neighbours.

    Weighted kNN of Wu et al. (2018), "Unsupervised Feature Learning via Non-Parametric
    Instance Discrimination": neighbours are the k train samples of highest cosine similarity
    s, and each adds ``exp(s / temperature)`` to its class's score. The weights here are
    ``exp((s - s_max) / temperature)`` with ``s_max`` the row's best similarity, which scales
    a row by a constant, so the ranking of classes is unchanged and no weight overflows.

    Shapes: ``train_features`` (N, D), ``train_labels`` (N,), ``val_features`` (M, D).
    Returns, for each requested k, scores of shape (M, C); k above N uses all N neighbours.
    """
    used = clip_neighbours(ks, len(train_features))
    train = F.normalize(torch.from_numpy(np.asarray(train_features, dtype=np.float32)), dim=1)
    val = F.normalize(torch.from_numpy(np.asarray(val_features, dtype=np.float32)), dim=1)
    labels = torch.from_numpy(np.asarray(train_labels, dtype=np.int64))
    max_k = max(used.values())

    scores = {k: torch.zeros(len(val), num_classes) for k in ks}
    for start in range(0, len(val), chunk_size):
        # Similarities of one chunk of val samples to every train sample: (B, N).
        similarity = val[start : start + chunk_size] @ train.T
        top_similarity, top_index = similarity.topk(max_k, dim=1)
        weights = torch.exp((top_similarity - top_similarity[:, :1]) / temperature)
        neighbour_labels = labels[top_index]

        for k, k_used in used.items():
            scores[k][start : start + chunk_size].scatter_add_(
                1, neighbour_labels[:, :k_used], weights[:, :k_used]
            )
    return scores


def knn_top1(
    train_features: np.ndarray,
    train_labels: np.ndarray,
    val_features: np.ndarray,
    val_labels: np.ndarray,
    num_classes: int,
    ks: list[int],
    temperature: float = 0.07,
) -> dict[int, float]:
    """Top-1 val accuracy of the weighted kNN classifier for each k in ``ks``.

    A tie between class scores goes to the lowest label (``torch.argmax`` returns the first
    maximum), so the result is deterministic.
    """
    val_y = torch.from_numpy(np.asarray(val_labels, dtype=np.int64))
    scores = knn_class_scores(
        train_features, train_labels, val_features, num_classes, ks, temperature
    )
    return {k: float((s.argmax(dim=1) == val_y).double().mean()) for k, s in scores.items()}
