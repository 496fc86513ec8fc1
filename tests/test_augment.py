import pytest
import torch

from tinyclr.augment import AugmentConfig, SimCLRAugment, blur_kernel_size
from tinyclr.config import ConfigError, build


def test_views_differ_within_pair():
    torch.manual_seed(0)
    images = torch.randint(0, 256, (8, 32, 32, 3), dtype=torch.uint8)
    augment = SimCLRAugment(AugmentConfig(), (32, 32))
    first, second = augment(images), augment(images)
    assert first.shape == (8, 3, 32, 32)
    assert not torch.equal(first, second)
    assert float(first.min()) >= 0.0
    assert float(first.max()) <= 1.0


def test_parameters_drawn_per_image():
    # One image repeated across the batch: identical outputs would mean shared parameters.
    torch.manual_seed(1)
    image = torch.randint(0, 256, (1, 32, 32, 3), dtype=torch.uint8)
    views = SimCLRAugment(AugmentConfig(), (32, 32))(image.repeat(6, 1, 1, 1))
    distinct = {tuple(view.flatten()[:64].tolist()) for view in views}
    assert len(distinct) == 6


def test_augment_seeded_repeatable():
    images = torch.randint(0, 256, (4, 16, 16, 3), dtype=torch.uint8)
    augment = SimCLRAugment(AugmentConfig(), (16, 16))
    torch.manual_seed(3)
    first = augment(images)
    torch.manual_seed(3)
    assert torch.equal(first, augment(images))


def test_augment_keeps_rectangular_size():
    images = torch.randint(0, 256, (2, 24, 40, 3), dtype=torch.uint8)
    assert SimCLRAugment(AugmentConfig(), (24, 40))(images).shape == (2, 3, 24, 40)


def test_augment_disabled_is_identity():
    config = AugmentConfig(
        crop_scale=[1.0, 1.0], flip_p=0.0, jitter_p=0.0, grayscale_p=0.0, blur_p=0.0
    )
    augment = SimCLRAugment(config, (16, 16))
    augment.pipeline[0].ratio = (1.0, 1.0)
    images = torch.randint(0, 256, (3, 16, 16, 3), dtype=torch.uint8)
    expected = images.permute(0, 3, 1, 2).float() / 255
    assert torch.allclose(augment(images), expected, atol=1e-5)


@pytest.mark.parametrize(("size", "kernel"), [(16, 3), (32, 3), (64, 7), (224, 23)])
def test_blur_kernel_size_odd(size, kernel):
    assert blur_kernel_size(size, 0.1) == kernel


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"crop_scale": [0.5, 0.2]}, "augment.crop_scale"),
        ({"crop_scale": [0.0, 1.0]}, "augment.crop_scale"),
        ({"blur_sigma": [0.1]}, "augment.blur_sigma"),
        ({"jitter_strength": [0.8, 0.8, 0.8]}, "four"),
        ({"jitter_strength": [0.8, 0.8, 0.8, 0.7]}, "hue"),
        ({"flip_p": 1.5}, "augment.flip_p"),
    ],
)
def test_augment_config_rejects(raw, message):
    with pytest.raises(ConfigError, match=message):
        build(AugmentConfig, raw, "augment")
