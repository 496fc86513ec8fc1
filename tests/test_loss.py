import math

import pytest
import torch

from tinyclr.loss import nt_xent


def reference_nt_xent(z_a, z_b, temperature):
    """Compute equation 1 of Chen et al., 2020 with Python loops in float64."""
    views = [v.double() for v in torch.cat([z_a, z_b])]
    n = z_a.shape[0]
    count = 2 * n

    def similarity(i, j):
        return float(views[i] @ views[j] / (views[i].norm() * views[j].norm()))

    total = 0.0
    for i in range(count):
        positive = (i + n) % count
        denominator = sum(
            math.exp(similarity(i, k) / temperature) for k in range(count) if k != i
        )
        total += -math.log(math.exp(similarity(i, positive) / temperature) / denominator)
    return total / count


@pytest.mark.parametrize(("n", "dim", "temperature"), [(1, 4, 0.5), (4, 8, 0.07), (7, 16, 1.0)])
def test_nt_xent_matches_reference(n, dim, temperature):
    generator = torch.Generator().manual_seed(n)
    z_a = torch.randn(n, dim, generator=generator)
    z_b = torch.randn(n, dim, generator=generator)
    loss = nt_xent(z_a, z_b, temperature).loss.item()
    assert loss == pytest.approx(reference_nt_xent(z_a, z_b, temperature), abs=1e-5)


def test_nt_xent_identical_views_low():
    z = torch.randn(16, 128, generator=torch.Generator().manual_seed(0))
    assert nt_xent(z, z.clone(), 0.07).loss.item() < 0.01


@pytest.mark.parametrize("n", [8, 64])
def test_nt_xent_random_features_chance(n):
    # Near-orthogonal random projections make every logit about 0, so the loss is ln(2N - 1).
    generator = torch.Generator().manual_seed(1)
    z_a = torch.randn(n, 4096, generator=generator)
    z_b = torch.randn(n, 4096, generator=generator)
    loss = nt_xent(z_a, z_b, 1.0).loss.item()
    assert loss == pytest.approx(math.log(2 * n - 1), rel=0.02)


def test_nt_xent_orthogonal_exact_value():
    # Pairs of identical one-hot rows: the positive logit is 1/t and the negatives 0.
    z = torch.eye(4)
    temperature = 0.5
    expected = -math.log(math.exp(2.0) / (math.exp(2.0) + 6))
    assert nt_xent(z, z.clone(), temperature).loss.item() == pytest.approx(expected, abs=1e-6)


def test_nt_xent_accuracy_perfect_pairs():
    z = torch.eye(6)
    result = nt_xent(z, z.clone(), 0.1)
    assert result.top1.item() == 1.0
    assert result.top5.item() == 1.0


def test_nt_xent_accuracy_counts_rank():
    # View a0's positive b0 ranks second, behind a1; every other view ranks its positive first.
    z_a = torch.tensor([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])
    z_b = torch.tensor([[0.8, 0.6, 0.0], [0.95, 0.05, 0.0], [0.0, 0.1, 1.0]])
    result = nt_xent(z_a, z_b, 1.0)
    similarities = torch.nn.functional.normalize(torch.cat([z_a, z_b]), dim=1)
    similarities = similarities @ similarities.T
    similarities.fill_diagonal_(-2.0)
    expected_top1 = sum(
        int(similarities[i].argmax().item() == (i + 3) % 6) for i in range(6)
    ) / 6
    assert result.top1.item() == pytest.approx(expected_top1)
    assert result.top1.item() < 1.0
    assert result.top5.item() == 1.0


def test_nt_xent_gradient_flows():
    z_a = torch.randn(4, 8, requires_grad=True)
    z_b = torch.randn(4, 8)
    nt_xent(z_a, z_b, 0.1).loss.backward()
    assert torch.isfinite(z_a.grad).all()


def test_nt_xent_shape_mismatch():
    with pytest.raises(ValueError, match="expected two"):
        nt_xent(torch.zeros(3, 4), torch.zeros(2, 4), 0.1)
