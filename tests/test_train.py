import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from torch import nn

from tinyclr.config import ConfigError
from tinyclr.model import load_encoder
from tinyclr.train import (
    build_model,
    load_train_config,
    model_step,
    select_precision,
    use_channels_last,
)

REPO = Path(__file__).resolve().parents[1]
SHARED_SAMPLE = REPO / ".." / "shared" / "data" / "tiny-imagenet-200-sample.zip"
DEFAULT_PARAMS = REPO / "params.yaml"
METRICS = ["loss", "top1", "top5", "lr", "images_per_s"]

# 48 images of 24×24 px, batch 8: 6 steps per epoch, about a second per epoch on 2 cores. At
# 16 px the last stage would see 1×1 maps, where oneDNN's bf16 weight gradient of a stride-2
# convolution was not run-to-run deterministic (torch 2.14, 2 threads).
TINY_TRAIN = {
    "epochs": 3,
    "lr": 1.0e-3,
    "warmup_epochs": 0.5,
    "proj_dim": 16,
    "seed": 7,
    "device": "cpu",
}
TINY_VARIANT = {"arch": "resnet18", "head_layers": 2, "batch_size": 8, "temperature": 0.5}


def write_prepared(folder: Path, count: int = 48, size: int = 24) -> Path:
    """Write random arrays in the prepare stage's format (only what train reads)."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    np.save(folder / "train_images.npy", rng.integers(0, 256, (count, size, size, 3), np.uint8))
    np.save(folder / "train_labels.npy", rng.integers(0, 4, count).astype(np.int64))
    (folder / "manifest.json").write_text(json.dumps({"train_images": count}))
    return folder


def write_params(path: Path, train=None, variants=None) -> Path:
    params = {
        "train": {**TINY_TRAIN, **(train or {})},
        "variants": variants if variants is not None else {"tiny": dict(TINY_VARIANT)},
    }
    path.write_text(yaml.safe_dump(params))
    return path


def train_command(root: Path, data: Path, params: Path, variant: str = "tiny") -> list[str]:
    return [
        sys.executable, "-m", "tinyclr", "train", "--variant", variant, "--data", str(data),
        "--model-dir", str(root / "models" / variant),
        "--results-dir", str(root / "results" / variant),
        "--checkpoint-dir", str(root / "checkpoints" / variant),
        "--params", str(params),
    ]  # fmt: skip


def run_train(root: Path, data: Path, params: Path, variant: str = "tiny"):
    return subprocess.run(
        train_command(root, data, params, variant), capture_output=True, text=True, cwd=REPO
    )


def read_tsv(path: Path) -> list[float]:
    lines = path.read_text().splitlines()[1:]
    return [float(line.split("\t")[1]) for line in lines]


def start_and_wait_for_checkpoint(root: Path, data: Path, params: Path) -> subprocess.Popen:
    """Start a run and return once its first checkpoint exists."""
    process = subprocess.Popen(
        train_command(root, data, params),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    checkpoint = root / "checkpoints" / "tiny" / "last.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no checkpoint appeared: {process.communicate()[1][-2000:]}")
        time.sleep(0.01)
    return process


def assert_no_outputs(root: Path, variant: str = "tiny"):
    assert not (root / "models" / variant).exists()
    assert not (root / "results" / variant).exists()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Tiny data and params, an uninterrupted run of them, and a checkpoint of a killed run."""
    base = tmp_path_factory.mktemp("tiny")
    data = write_prepared(base / "prepared")
    params = write_params(base / "params.yaml")

    complete = base / "complete"
    result = run_train(complete, data, params)
    assert result.returncode == 0, result.stderr[-2000:]

    killed = base / "killed"
    process = start_and_wait_for_checkpoint(killed, data, params)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    checkpoint = base / "killed.pt"
    shutil.copy(killed / "checkpoints" / "tiny" / "last.pt", checkpoint)
    return {"data": data, "params": params, "complete": complete, "checkpoint": checkpoint}


def copy_checkpoint(tiny, root: Path) -> Path:
    target = root / "checkpoints" / "tiny" / "last.pt"
    target.parent.mkdir(parents=True)
    shutil.copy(tiny["checkpoint"], target)
    return target


def assert_same_run(root: Path, reference: Path):
    live, expected_live = root / "results/tiny/live", reference / "results/tiny/live"
    for folder in ("steps", "epochs"):
        for metric in ("loss", "top1", "top5", "lr"):
            tsv = f"{folder}/plots/metrics/{metric}.tsv"
            assert read_tsv(live / tsv) == read_tsv(expected_live / tsv), tsv
    summary = json.loads((root / "results/tiny/train.json").read_text())
    expected = json.loads((reference / "results/tiny/train.json").read_text())
    for key in ("final_loss", "final_top1", "final_top5", "steps"):
        assert summary[key] == expected[key], key
    weights = torch.load(root / "models/tiny/encoder.pt", weights_only=True)["backbone"]
    expected_weights = torch.load(reference / "models/tiny/encoder.pt", weights_only=True)
    for name, tensor in weights.items():
        assert torch.equal(tensor, expected_weights["backbone"][name]), name


# Config


def test_config_variant_overrides_train():
    params = {"train": {**TINY_TRAIN, "lr": 0.1}, "variants": {"a": {**TINY_VARIANT, "lr": 0.2}}}
    assert load_train_config(params, "a").lr == 0.2


def test_config_shared_keys_apply():
    params = {"train": {**TINY_TRAIN, "lr": 0.1}, "variants": {"a": dict(TINY_VARIANT)}}
    assert load_train_config(params, "a").lr == 0.1


def test_config_augment_merged_per_key():
    params = {
        "train": {**TINY_TRAIN, "augment": {"flip_p": 0.0, "grayscale_p": 0.3}},
        "variants": {"a": {**TINY_VARIANT, "augment": {"grayscale_p": 0.1}}},
    }
    augment = load_train_config(params, "a").augment
    assert augment.flip_p == 0.0
    assert augment.grayscale_p == 0.1


@pytest.mark.parametrize(
    ("train", "variant", "message"),
    [
        ({}, {"momentum": 0.9}, "unknown key variants.a.momentum"),
        ({"momentum": 0.9}, {}, "unknown key train.momentum"),
        ({}, {"batch_size": 1}, "variants.a.batch_size = 1 is out of range"),
        ({}, {"temperature": 0}, "variants.a.temperature = 0.0 is out of range"),
        ({"lr": "fast"}, {}, "train.lr = 'fast' is invalid"),
        ({}, {"arch": "vgg11"}, "variants.a.arch = 'vgg11' is invalid: choose one of resnet18"),
        ({}, {"stem": "tiny"}, "variants.a.stem = 'tiny' is invalid"),
        ({"schedule": "step"}, {}, "train.schedule = 'step' is invalid"),
        ({}, {"augment": {"flip_p": 2.0}}, "variants.a.augment.flip_p = 2.0 is out of range"),
        ({"precision": "fp16"}, {}, "train.precision = 'fp16' is invalid"),
    ],
)
def test_config_rejects_bad_values(train, variant, message):
    params = {"train": {**TINY_TRAIN, **train}, "variants": {"a": {**TINY_VARIANT, **variant}}}
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_train_config(params, "a")


def test_config_missing_variant_key():
    variant = {key: value for key, value in TINY_VARIANT.items() if key != "temperature"}
    with pytest.raises(ConfigError, match="missing key variants.a.temperature"):
        load_train_config({"train": TINY_TRAIN, "variants": {"a": variant}}, "a")


def test_config_unknown_variant_lists_names():
    params = {"train": TINY_TRAIN, "variants": {"a": TINY_VARIANT, "b": TINY_VARIANT}}
    with pytest.raises(ConfigError, match="defined are a, b"):
        load_train_config(params, "c")


def test_config_variant_name_with_dot():
    with pytest.raises(ConfigError, match="no dots"):
        load_train_config({"train": TINY_TRAIN, "variants": {"a.b": TINY_VARIANT}}, "a.b")


def test_default_params_variants():
    params = yaml.safe_load(DEFAULT_PARAMS.read_text())
    configs = {name: load_train_config(params, name) for name in params["variants"]}
    assert set(configs) >= {"baseline", "resnet50", "head3", "batch512"}
    assert configs["baseline"].batch_size == 256
    assert configs["baseline"].temperature == 0.07
    assert configs["resnet50"].arch == "resnet50"
    assert configs["batch512"].batch_size == 512
    assert configs["batch512"].temperature == 0.1
    assert configs["baseline"].epochs == 50


@pytest.mark.parametrize(("variant", "layers"), [("baseline", 2), ("head3", 3), ("resnet50", 2)])
def test_head_depth_per_variant(variant, layers):
    config = load_train_config(DEFAULT_PARAMS, variant)
    head = build_model(config).head
    linears = [module for module in head.modules() if isinstance(module, nn.Linear)]
    assert len(linears) == layers
    assert linears[0].in_features == (2048 if config.arch == "resnet50" else 512)
    assert linears[-1].out_features == config.proj_dim


# Precision


def test_precision_explicit_kept():
    cpu = torch.device("cpu")
    assert select_precision("fp32", cpu) == "fp32"
    assert select_precision("bf16", cpu) == "bf16"


def test_precision_auto_fp32_on_cpu():
    assert select_precision("auto", torch.device("cpu")) == "fp32"


def test_channels_last_only_bf16_on_cpu():
    cpu = torch.device("cpu")
    assert use_channels_last(cpu, "bf16")
    assert not use_channels_last(cpu, "fp32")


def bf16_step(seed: int):
    config = load_train_config({"train": TINY_TRAIN, "variants": {"a": TINY_VARIANT}}, "a")
    torch.manual_seed(seed)
    model = build_model(config).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    views = torch.rand(16, 3, 24, 24)
    result = model_step(model, views, optimizer, scaler, 0.5, "bf16", True)
    return model, result


def test_model_step_bf16_keeps_float32():
    model, result = bf16_step(0)
    assert result.loss.dtype == torch.float32
    assert torch.isfinite(result.loss)
    assert all(parameter.dtype == torch.float32 for parameter in model.parameters())


def test_model_step_bf16_deterministic():
    first_model, first = bf16_step(1)
    second_model, second = bf16_step(1)
    assert torch.equal(first.loss, second.loss)
    for (name, tensor), other in zip(first_model.state_dict().items(),
                                     second_model.state_dict().values()):  # fmt: skip
        assert torch.equal(tensor, other), name


# Tiny runs through the command line


def test_train_writes_every_output(tiny):
    root = tiny["complete"]
    summary = json.loads((root / "results/tiny/train.json").read_text())
    expected_keys = {"variant", "config", "epochs", "steps", "final_loss", "final_top1",
                     "final_top5", "wall_time_s", "images_per_s", "device", "precision"}  # fmt: skip
    assert set(summary) == expected_keys
    assert summary["steps"] == 18
    assert summary["config"]["batch_size"] == 8
    assert summary["device"] == "cpu"
    assert summary["precision"] == select_precision("auto", torch.device("cpu"))
    for metric in METRICS:
        steps = read_tsv(root / f"results/tiny/live/steps/plots/metrics/{metric}.tsv")
        epochs = read_tsv(root / f"results/tiny/live/epochs/plots/metrics/{metric}.tsv")
        assert len(steps) == 18, metric
        assert len(epochs) == 3, metric
    assert not (root / "checkpoints/tiny/last.pt").exists()


def test_train_encoder_loads(tiny):
    backbone, config = load_encoder(tiny["complete"] / "models/tiny/encoder.pt")
    assert config["head_layers"] == 2
    assert backbone(torch.rand(2, 3, 16, 16)).shape == (2, 512)


def test_train_lr_per_step(tiny):
    rates = read_tsv(tiny["complete"] / "results/tiny/live/steps/plots/metrics/lr.tsv")
    # Warm-up over half an epoch (3 steps), then cosine decay.
    assert rates[:3] == pytest.approx([1e-3 / 3, 2e-3 / 3, 1e-3])
    assert all(later < earlier for earlier, later in zip(rates[3:], rates[4:]))


def test_train_cpu_deterministic(tiny, tmp_path):
    result = run_train(tmp_path, tiny["data"], tiny["params"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert_same_run(tmp_path, tiny["complete"])


def test_train_resume_after_kill(tiny, tmp_path):
    copy_checkpoint(tiny, tmp_path)
    result = run_train(tmp_path, tiny["data"], tiny["params"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resuming from" in result.stderr
    assert_same_run(tmp_path, tiny["complete"])


def test_train_resume_after_sigterm(tiny, tmp_path):
    process = start_and_wait_for_checkpoint(tmp_path, tiny["data"], tiny["params"])
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate()
    assert process.returncode == 1
    assert "stopped by SIGTERM at step" in stderr
    assert_no_outputs(tmp_path)
    checkpoint = torch.load(tmp_path / "checkpoints/tiny/last.pt", weights_only=True)
    assert checkpoint["step"] >= 6

    result = run_train(tmp_path, tiny["data"], tiny["params"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert_same_run(tmp_path, tiny["complete"])


def test_train_changed_config_starts_afresh(tiny, tmp_path):
    copy_checkpoint(tiny, tmp_path)
    params = write_params(tmp_path / "params.yaml", train={"epochs": 1})
    result = run_train(tmp_path, tiny["data"], params)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "starting afresh" in result.stderr
    assert "different config (epochs)" in result.stderr
    assert json.loads((tmp_path / "results/tiny/train.json").read_text())["steps"] == 6


def test_train_nan_guard_keeps_checkpoint(tiny, tmp_path):
    # A checkpoint whose weights became NaN: the first resumed step must stop the run.
    path = copy_checkpoint(tiny, tmp_path)
    state = torch.load(path, weights_only=True)
    state["model"]["backbone.resnet.conv1.weight"].fill_(float("nan"))
    torch.save(state, path)
    saved = path.read_bytes()

    result = run_train(tmp_path, tiny["data"], tiny["params"])
    assert result.returncode == 1
    assert f"loss is nan at step {state['step'] + 1}" in result.stderr
    assert "the last good checkpoint" in result.stderr
    assert path.read_bytes() == saved
    assert_no_outputs(tmp_path)


def test_train_fp32_recorded(tiny, tmp_path):
    params = write_params(tmp_path / "params.yaml", train={"epochs": 1, "precision": "fp32"})
    result = run_train(tmp_path, tiny["data"], params)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "results/tiny/train.json").read_text())
    assert summary["precision"] == "fp32"
    assert math.isfinite(summary["final_loss"])


def test_train_too_few_images(tmp_path):
    data = write_prepared(tmp_path / "prepared", count=5)
    params = write_params(tmp_path / "params.yaml")
    result = run_train(tmp_path, data, params)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "tinyclr train: error: the training set has 5 images, fewer than one batch of 8: "
        "lower variants.tiny.batch_size to at most 5 or prepare more images"
    )
    assert_no_outputs(tmp_path)


def test_train_bad_params_one_line(tmp_path):
    data = write_prepared(tmp_path / "prepared", count=8)
    params = write_params(tmp_path / "params.yaml", variants={"tiny": {**TINY_VARIANT, "lr": -1}})
    result = run_train(tmp_path, data, params)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "tinyclr train: error: variants.tiny.lr = -1.0 is out of range: must be > 0.0"
    ]
    assert_no_outputs(tmp_path)


def test_train_missing_data(tmp_path):
    params = write_params(tmp_path / "params.yaml")
    result = run_train(tmp_path, tmp_path / "absent", params)
    assert result.returncode == 1
    assert "training images not found" in result.stderr
    assert_no_outputs(tmp_path)


# The four default variants on real images


@pytest.mark.slow
def test_default_variants_on_sample(tmp_path):
    if not SHARED_SAMPLE.is_file():
        pytest.skip(f"real Tiny ImageNet sample not found at {SHARED_SAMPLE}")
    # 20 images per class of 20 classes keeps the four runs within a few minutes on 2 cores.
    params = yaml.safe_load(DEFAULT_PARAMS.read_text())
    params["prepare"] = {"classes": 20, "train_per_class": 20, "val_per_class": 5}
    params["train"]["epochs"] = 2
    params["train"]["device"] = "cpu"
    for variant in params["variants"].values():
        variant["batch_size"] = variant["batch_size"] // 8
    params_path = tmp_path / "params.yaml"
    params_path.write_text(yaml.safe_dump(params))
    data = tmp_path / "prepared"
    prepare = subprocess.run(
        [sys.executable, "-m", "tinyclr", "prepare", "--zip", str(SHARED_SAMPLE),
         "--out", str(data), "--params", str(params_path)],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert prepare.returncode == 0, prepare.stderr[-2000:]

    for name in ("baseline", "resnet50", "head3", "batch512"):
        result = run_train(tmp_path, data, params_path, name)
        assert result.returncode == 0, result.stderr[-2000:]
        assert (tmp_path / f"models/{name}/encoder.pt").is_file()
        summary = json.loads((tmp_path / f"results/{name}/train.json").read_text())
        assert summary["epochs"] == 2
        losses = read_tsv(tmp_path / f"results/{name}/live/epochs/plots/metrics/loss.tsv")
        assert losses[1] < losses[0], name
        for metric in METRICS:
            assert (tmp_path / f"results/{name}/live/steps/plots/metrics/{metric}.tsv").is_file()
