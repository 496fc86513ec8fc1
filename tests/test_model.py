import numpy as np
import pytest
import torch
from torch import nn

from tinyclr.config import ConfigError
from tinyclr.errors import StageError
from tinyclr.model import (
    ProjectionHead,
    SimCLRModel,
    build_backbone,
    images_to_tensor,
    load_encoder,
    save_encoder,
)


@pytest.mark.parametrize(
    ("arch", "stem", "dim"),
    [("resnet18", "imagenet", 512), ("resnet18", "small", 512), ("resnet50", "small", 2048)],
)
def test_backbone_feature_width(arch, stem, dim):
    torch.manual_seed(0)
    backbone, width = build_backbone(arch, stem)
    backbone.eval()
    features = backbone(torch.rand(2, 3, 32, 32))
    assert width == dim
    assert features.shape == (2, dim)


def test_backbone_small_stem_layout():
    backbone, _ = build_backbone("resnet18", "small")
    assert backbone.resnet.conv1.stride == (1, 1)
    assert backbone.resnet.conv1.kernel_size == (3, 3)
    assert isinstance(backbone.resnet.maxpool, nn.Identity)


def test_backbone_unknown_arch_lists_names():
    with pytest.raises(ConfigError, match="resnet18, resnet50"):
        build_backbone("vgg11", "imagenet")


def test_backbone_unknown_stem_lists_names():
    with pytest.raises(ConfigError, match="imagenet, small"):
        build_backbone("resnet18", "tiny")


def test_backbone_normalises_inside():
    backbone, _ = build_backbone("resnet18", "small")
    mean = backbone.mean.view(1, 3, 1, 1).expand(1, 3, 8, 8)
    captured = {}
    backbone.resnet.conv1.register_forward_hook(
        lambda module, inputs, output: captured.update(x=inputs[0])
    )
    backbone.eval()
    backbone(mean.clone())
    assert torch.count_nonzero(captured["x"]).item() == 0


@pytest.mark.parametrize("layers", [1, 2, 3, 4])
def test_head_linear_layer_count(layers):
    head = ProjectionHead(512, 512, 128, layers, batchnorm=False)
    linears = [m for m in head.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == layers
    assert linears[-1].out_features == 128


def test_head_batchnorm_between_layers():
    head = ProjectionHead(16, 32, 8, 3, batchnorm=True)
    kinds = [type(m).__name__ for m in head.net]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU", "Linear"]


def test_head_zero_layers_rejected():
    with pytest.raises(ConfigError, match="head_layers"):
        ProjectionHead(16, 16, 8, 0, batchnorm=False)


def test_simclr_model_returns_features_and_projections():
    backbone, dim = build_backbone("resnet18", "small")
    model = SimCLRModel(backbone, ProjectionHead(dim, dim, 128, 2, batchnorm=False))
    h, z = model(torch.rand(3, 3, 16, 16))
    assert h.shape == (3, 512)
    assert z.shape == (3, 128)


def test_images_to_tensor_layout_and_range():
    images = np.zeros((2, 4, 5, 3), dtype=np.uint8)
    images[0, 1, 2] = [255, 0, 51]
    tensor = images_to_tensor(images, "cpu")
    assert tensor.shape == (2, 3, 4, 5)
    assert tensor.dtype == torch.float32
    assert tensor[0, :, 1, 2].tolist() == pytest.approx([1.0, 0.0, 0.2])


def test_images_to_tensor_rejects_float():
    with pytest.raises(ValueError, match="uint8"):
        images_to_tensor(np.zeros((1, 4, 4, 3), dtype=np.float32), "cpu")


def test_encoder_round_trip(tmp_path):
    torch.manual_seed(1)
    backbone, _ = build_backbone("resnet18", "small")
    backbone.eval()
    images = torch.rand(2, 3, 16, 16)
    expected = backbone(images)
    path = tmp_path / "model" / "encoder.pt"
    save_encoder(path, backbone, "resnet18", "small", {"lr": 0.1})
    loaded, config = load_encoder(path)
    assert config == {"lr": 0.1}
    assert not loaded.training
    assert torch.equal(loaded(images), expected)
    assert [p.name for p in path.parent.iterdir()] == ["encoder.pt"]


def test_load_encoder_missing_file(tmp_path):
    with pytest.raises(StageError, match="encoder file not found"):
        load_encoder(tmp_path / "absent.pt")


@pytest.mark.parametrize("content", [b"", b"not a checkpoint"])
def test_load_encoder_garbage_file(tmp_path, content):
    path = tmp_path / "encoder.pt"
    path.write_bytes(content)
    with pytest.raises(StageError, match="not a tinyclr encoder file"):
        load_encoder(path)


def test_load_encoder_other_dict(tmp_path):
    path = tmp_path / "encoder.pt"
    torch.save({"weights": torch.zeros(1)}, path)
    with pytest.raises(StageError, match="expected keys arch, stem, backbone, config"):
        load_encoder(path)
