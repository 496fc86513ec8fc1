"""environment.yml (conda) must list the same dependencies, with the same bounds, as pyproject.toml."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# Conda package names that differ from the PyPI names.
CONDA_NAMES = {"torch": "pytorch", "opentsne": "opentsne"}


def split_requirement(text: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", text)
    return match.group(1).lower(), match.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pairs = [split_requirement(r) for r in project["dependencies"]]
    return {CONDA_NAMES.get(name, name): spec for name, spec in pairs}


def conda_requirements() -> dict[str, str]:
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    found = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            for text in entry.get("pip", []):
                if not text.startswith("-"):
                    name, spec = split_requirement(text)
                    found[name] = spec
        else:
            name, spec = split_requirement(entry)
            if name not in ("python", "pip"):
                found[name] = spec
    return found


def test_same_packages():
    assert sorted(conda_requirements()) == sorted(pyproject_requirements())


def test_same_bounds():
    conda = conda_requirements()
    for name, spec in pyproject_requirements().items():
        assert conda.get(name) == spec, name


def test_torch_pins_admitted():
    """The versions that this machine's pip installs from local disk must satisfy the bounds."""
    from packaging.specifiers import SpecifierSet

    requirements = pyproject_requirements()
    assert "2.14.1" in SpecifierSet(requirements["pytorch"])
    assert "0.29.1" in SpecifierSet(requirements["torchvision"])


def test_install_installs_package():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_entries = [e for e in environment["dependencies"] if isinstance(e, dict)][0]["pip"]
    assert "-e ." in pip_entries
