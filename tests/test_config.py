from dataclasses import dataclass, field
from typing import Literal

import pytest

from tinyclr.cli import CONFIGS, STAGES, main
from tinyclr.config import ConfigError, build, check_name, load_section, read_params
from tinyclr.tsne import TsneConfig


@dataclass(frozen=True)
class Inner:
    rate: float = field(default=0.5, metadata={"min": 0.0, "max": 1.0})


@dataclass(frozen=True)
class Section:
    count: int = field(default=3, metadata={"gt": 0})
    mode: Literal["a", "b"] = "a"
    limit: int | None = None
    names: list[str] = field(default_factory=list)
    inner: Inner = field(default_factory=Inner)
    flag: bool = False


def test_defaults_when_section_missing():
    assert load_section({}, "section", Section) == Section()


def test_int_accepted_for_float():
    config = build(Section, {"inner": {"rate": 1}}, "section")
    assert config.inner.rate == 1.0
    assert isinstance(config.inner.rate, float)


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"cuont": 1}, "unknown key section.cuont: allowed keys in section are count, flag"),
        ({"count": "3"}, "section.count = '3' is invalid: expected an integer"),
        ({"count": True}, "section.count = True is invalid: expected an integer"),
        ({"count": 0}, "section.count = 0 is out of range: must be > 0"),
        ({"mode": "c"}, "section.mode = 'c' is invalid: choose one of a, b"),
        ({"limit": 1.5}, "section.limit = 1.5 is invalid: expected an integer or null"),
        ({"names": "x"}, "section.names = 'x' is invalid: expected a list"),
        ({"names": ["x", 2]}, "section.names[1] = 2 is invalid: expected a non-empty string"),
        ({"inner": {"rate": 2}}, "section.inner.rate = 2.0 is out of range: must be <= 1.0"),
        ({"inner": {"speed": 2}}, "unknown key section.inner.speed"),
        ({"inner": {"rate": float("nan")}}, "section.inner.rate = nan is invalid: expected a finite"),
        ({"flag": "yes"}, "section.flag = 'yes' is invalid: expected true or false"),
    ],
)
def test_invalid_values_rejected(raw, message):
    with pytest.raises(ConfigError) as caught:
        build(Section, raw, "section")
    assert message in str(caught.value)


def test_section_must_be_mapping():
    with pytest.raises(ConfigError, match="section must be a mapping"):
        load_section({"section": [1, 2]}, "section", Section)


def test_missing_params_file(tmp_path):
    with pytest.raises(ConfigError, match="params file not found"):
        read_params(tmp_path / "absent.yaml")


def test_malformed_params_file(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        read_params(path)


@pytest.mark.parametrize("name", ["baseline", "batch512", "random-resnet18", "a_b"])
def test_valid_names(name):
    assert check_name(name, "variants") == name


@pytest.mark.parametrize("name", ["base.line", "a/b", "with space", "-lead", "", 5])
def test_invalid_names(name):
    with pytest.raises(ConfigError, match="name .* is invalid"):
        check_name(name, "variants")


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_help_lists_params_keys(stage, capsys):
    section = CONFIGS[stage][0]
    with pytest.raises(SystemExit) as exit_info:
        main([stage, "--help"])
    text = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert f"params.yaml keys ({section}" in text
    assert f"  {section}." in text


def test_train_help_shows_defaults_and_choices(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in lines if line.startswith(("  train.", "  variants."))}
    assert "default 50" in rows["train.epochs"]
    assert "one of resnet18, resnet50; required" in rows["variants.<variant>.arch"]
    assert "train.arch" not in rows
    assert "one of adam, adamw; default adam" in rows["train.optimizer"]
    assert ">= 0.0 and <= 1.0; default 0.5" in rows["train.augment.flip_p"]
    crop_scale = rows["train.augment.crop_scale"]
    assert "[min, max], 0 < min <= max <= 1; default [0.08, 1.0]" in crop_scale


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        (1, "tsne.classes = 1 is out of range: must be >= 2"),
        (["n01443537"], "tsne.classes has 1 item: at least 2 required"),
        ("ten", "tsne.classes = 'ten' is invalid: expected an integer or a list"),
    ],
)
def test_union_error_names_broken_rule(classes, message):
    with pytest.raises(ConfigError) as error:
        load_section({"tsne": {"classes": classes}}, "tsne", TsneConfig)
    assert message in str(error.value)


def test_unknown_section_rejected(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("evaluate:\n  seed: 0\nevalute:\n  seed: 1\n")
    with pytest.raises(ConfigError) as error:
        read_params(path)
    assert "unknown section 'evalute'" in str(error.value)
    assert "allowed sections are data, prepare" in str(error.value)
