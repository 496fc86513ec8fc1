import logging
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression

from tinyclr.probe import (
    fit_linear_probe,
    knn_class_scores,
    knn_top1,
    linear_probe,
    standardize,
    topk_accuracy,
)


def clustered(rng, classes, per_class, dim, spread):
    """Features around one random mean per class, labels in shuffled order."""
    means = rng.normal(size=(classes, dim))
    labels = rng.permutation(np.repeat(np.arange(classes), per_class))
    features = means[labels] + spread * rng.normal(size=(len(labels), dim))
    return features.astype(np.float32), labels


def one_hot_features(rng, labels, classes, dim=16):
    """Features whose first ``classes`` columns are the one-hot label, plus small noise."""
    features = 0.05 * rng.normal(size=(len(labels), dim)).astype(np.float32)
    features[np.arange(len(labels)), labels] += 1.0
    return features


def slow_knn_predictions(train_x, train_y, val_x, classes, k, temperature):
    """Weighted kNN written out per sample: cosine similarity, top k, vote exp(s / T)."""
    predictions = []
    for query in val_x:
        similarities = []
        for index, row in enumerate(train_x):
            cosine = float(query @ row) / (np.linalg.norm(query) * np.linalg.norm(row))
            similarities.append((cosine, index))
        similarities.sort(reverse=True)
        votes = [0.0] * classes
        for cosine, index in similarities[:k]:
            votes[train_y[index]] += math.exp(cosine / temperature)
        predictions.append(max(range(classes), key=lambda c: (votes[c], -c)))
    return np.array(predictions)


def test_standardize_uses_train_statistics():
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(500, 4)).astype(np.float32)
    val = train[:100] + 10.0
    scaled_train, scaled_val = standardize(train, val)
    assert np.allclose(scaled_train.mean(axis=0), 0.0, atol=1e-5)
    assert np.allclose(scaled_train.std(axis=0), 1.0, atol=1e-4)
    # Val is shifted by 10 train standard deviations of about 2, so its mean moves by about 5.
    assert np.allclose(scaled_val.mean(axis=0) - scaled_train[:100].mean(axis=0), 10.0 / train.std(axis=0), atol=1e-3)


def test_standardize_constant_column():
    train = np.array([[1.0, 5.0], [3.0, 5.0]], dtype=np.float32)
    scaled_train, scaled_val = standardize(train, np.array([[2.0, 6.0]], dtype=np.float32))
    assert np.isfinite(scaled_train).all()
    assert scaled_train[:, 1].tolist() == [0.0, 0.0]
    assert scaled_val.tolist() == [[0.0, 1.0]]


def test_topk_accuracy_known_values():
    scores = torch.tensor([[0.1, 0.5, 0.4], [0.9, 0.05, 0.05], [0.2, 0.3, 0.5]])
    labels = torch.tensor([2, 0, 0])
    assert topk_accuracy(scores, labels, 1) == pytest.approx(1 / 3)
    assert topk_accuracy(scores, labels, 2) == pytest.approx(2 / 3)
    assert topk_accuracy(scores, labels, 5) == 1.0


def test_linear_probe_label_features():
    rng = np.random.default_rng(1)
    classes = 13
    train_y = rng.integers(0, classes, 600)
    val_y = rng.integers(0, classes, 300)
    result = linear_probe(
        one_hot_features(rng, train_y, classes),
        train_y,
        one_hot_features(rng, val_y, classes),
        val_y,
        classes,
    )
    assert result.top1 >= 0.99
    assert result.top5 == 1.0


def test_linear_probe_shuffled_labels():
    rng = np.random.default_rng(2)
    classes = 10
    train_x, train_y = clustered(rng, classes, 100, 32, spread=0.5)
    val_x, val_y = clustered(rng, classes, 100, 32, spread=0.5)
    result = linear_probe(train_x, rng.permutation(train_y), val_x, val_y, classes)
    # Chance is 0.1; 1,000 val samples give a standard error of about 0.01.
    assert abs(result.top1 - 0.1) < 0.05
    assert abs(result.top5 - 0.5) < 0.08


def test_linear_probe_matches_sklearn():
    rng = np.random.default_rng(3)
    classes, dim = 7, 20
    train_x, train_y = clustered(rng, classes, 60, dim, spread=2.5)
    val_x, val_y = clustered(rng, classes, 60, dim, spread=2.5)
    scaled_train, scaled_val = standardize(train_x, val_x)

    weight, bias, _, _, loss = fit_linear_probe(scaled_train, train_y, classes, c=0.5, max_iter=500)
    reference = LogisticRegression(C=0.5, max_iter=5000, tol=1e-8).fit(
        scaled_train.astype(np.float64), train_y
    )

    # Both minimise the same objective; scikit-learn's divided by C N.
    reference_weight = torch.tensor(reference.coef_.T, dtype=torch.float32)
    reference_bias = torch.tensor(reference.intercept_, dtype=torch.float32)
    x, y = torch.from_numpy(scaled_train), torch.from_numpy(train_y)
    penalty = 1.0 / (2 * 0.5 * len(train_y))
    reference_loss = float(
        F.cross_entropy(x @ reference_weight + reference_bias, y)
        + penalty * reference_weight.square().sum()
    )
    assert loss == pytest.approx(reference_loss, abs=1e-4)
    assert torch.allclose(weight, reference_weight, atol=2e-2)

    predictions = (torch.from_numpy(scaled_val) @ weight + bias).argmax(dim=1).numpy()
    agreement = (predictions == reference.predict(scaled_val)).mean()
    assert agreement >= 0.99


def test_linear_probe_deterministic():
    rng = np.random.default_rng(4)
    train_x, train_y = clustered(rng, 5, 40, 12, spread=1.5)
    first = fit_linear_probe(train_x, train_y, 5, max_iter=30)
    second = fit_linear_probe(train_x, train_y, 5, max_iter=30)
    assert torch.equal(first[0], second[0])
    assert torch.equal(first[1], second[1])


def test_linear_probe_max_iter_warning(caplog):
    rng = np.random.default_rng(5)
    train_x, train_y = clustered(rng, 4, 30, 8, spread=1.0)
    with caplog.at_level(logging.WARNING, logger="tinyclr.probe"):
        _, _, iterations, _, _ = fit_linear_probe(train_x, train_y, 4, max_iter=2)
    assert iterations <= 2
    assert "used up max_iter=2" in caplog.text


def test_knn_matches_slow_reference():
    rng = np.random.default_rng(6)
    classes = 6
    train_x, train_y = clustered(rng, classes, 15, 10, spread=2.0)
    val_x, val_y = clustered(rng, classes, 8, 10, spread=2.0)
    ks = [1, 5, 20]
    scores = knn_class_scores(train_x, train_y, val_x, classes, ks, temperature=0.1)
    for k in ks:
        expected = slow_knn_predictions(train_x, train_y, val_x, classes, k, 0.1)
        assert scores[k].argmax(dim=1).numpy().tolist() == expected.tolist(), f"k={k}"

    accuracy = knn_top1(train_x, train_y, val_x, val_y, classes, [5], temperature=0.1)
    expected = slow_knn_predictions(train_x, train_y, val_x, classes, 5, 0.1)
    assert accuracy[5] == pytest.approx((expected == val_y).mean())


def test_knn_weights_known_values():
    train = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    labels = np.array([0, 1, 1])
    query = np.array([[1.0, 0.0]], dtype=np.float32)
    scores = knn_class_scores(train, labels, query, 2, [3], temperature=0.5)[3][0]
    # Similarities 1, 0 and 1/sqrt(2); weights exp((s - 1) / 0.5) after the row's best is removed.
    assert scores[0].item() == pytest.approx(1.0)
    assert scores[1].item() == pytest.approx(math.exp(-2.0) + math.exp((2**-0.5 - 1) / 0.5), rel=1e-5)


def test_knn_k_above_train_size(caplog):
    rng = np.random.default_rng(7)
    train_x, train_y = clustered(rng, 3, 4, 5, spread=1.0)
    val_x, val_y = clustered(rng, 3, 3, 5, spread=1.0)
    with caplog.at_level(logging.WARNING, logger="tinyclr.probe"):
        clipped = knn_top1(train_x, train_y, val_x, val_y, 3, [200], temperature=0.07)
    full = knn_top1(train_x, train_y, val_x, val_y, 3, [12], temperature=0.07)
    assert list(clipped) == [200]
    assert clipped[200] == full[12]
    assert "k=200 is larger than the train set (12 samples)" in caplog.text


def test_knn_label_features():
    rng = np.random.default_rng(8)
    classes = 11
    train_y = rng.integers(0, classes, 500)
    val_y = rng.integers(0, classes, 200)
    accuracy = knn_top1(
        one_hot_features(rng, train_y, classes),
        train_y,
        one_hot_features(rng, val_y, classes),
        val_y,
        classes,
        [20, 200],
    )
    assert accuracy[20] == 1.0
    assert accuracy[200] == 1.0


def test_knn_shuffled_labels():
    rng = np.random.default_rng(9)
    classes = 10
    train_x, train_y = clustered(rng, classes, 100, 32, spread=0.5)
    val_x, val_y = clustered(rng, classes, 100, 32, spread=0.5)
    accuracy = knn_top1(train_x, rng.permutation(train_y), val_x, val_y, classes, [20, 200])
    assert abs(accuracy[20] - 0.1) < 0.05
    assert abs(accuracy[200] - 0.1) < 0.05


def test_knn_chunks_agree():
    rng = np.random.default_rng(10)
    train_x, train_y = clustered(rng, 4, 20, 6, spread=1.0)
    val_x, _ = clustered(rng, 4, 10, 6, spread=1.0)
    whole = knn_class_scores(train_x, train_y, val_x, 4, [7], chunk_size=1000)[7]
    chunked = knn_class_scores(train_x, train_y, val_x, 4, [7], chunk_size=3)[7]
    assert torch.allclose(whole, chunked)
