"""Typed, validated access to params.yaml.

Each stage declares a frozen dataclass for the params.yaml section it reads and loads it with
:func:`load_section`. Field types drive the checks (``int``, ``float``, ``bool``, ``str``,
``Literal[...]``, ``Optional[...]``, ``list[...]``, nested dataclasses, ``dict[str, ...]``) and
``field(metadata=...)`` adds ranges: ``min``/``max`` (inclusive), ``gt``/``lt`` (exclusive),
``choices`` for strings, and ``form``, a description for help text of a value that the dataclass
checks itself.
Every rejected value raises :class:`ConfigError` whose message names the dotted key, the value
and what is allowed, so the CLI can print it as one line before any work starts.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

T = TypeVar("T")

# A variant or reference name becomes a DVC stage suffix (train@<name>), a params key
# (variants.<name>) and a folder name, so dots, slashes and spaces are excluded.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

# The top-level sections of params.yaml. Every stage rejects any other, so that a misspelt section
# name stops the first stage that runs instead of leaving the section at its defaults.
SECTIONS = (
    "data",
    "prepare",
    "train",
    "variants",
    "references",
    "features",
    "evaluate",
    "tsne",
    "figures",
    "report",
)


class ConfigError(ValueError):
    """An invalid params.yaml: the message names the key, the value and what is allowed."""


def read_params(path: str | Path) -> dict[str, Any]:
    """Read a params file as a mapping, raising ConfigError when it is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"params file not found: {path} (pass --params PATH)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}".replace("\n", " ")) from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must contain a mapping of sections, got {type(data).__name__}")
    unknown = [name for name in data if name not in SECTIONS]
    if unknown:
        raise ConfigError(
            f"unknown section {unknown[0]!r} in {path}: allowed sections are {', '.join(SECTIONS)}"
        )
    return data


def load_section(params: dict[str, Any] | str | Path, section: str, cls: type[T]) -> T:
    """Build ``cls`` from ``params[section]``, where a missing section takes every default."""
    if not isinstance(params, dict):
        params = read_params(params)
    raw = params.get(section, {})
    if raw is None:
        raw = {}
    return build(cls, raw, section)


def build(cls: type[T], raw: Any, key: str) -> T:
    """Build dataclass ``cls`` from mapping ``raw`` found at dotted ``key``."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{key} must be a mapping of keys to values, got {_show(raw)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(
            f"unknown key {key}.{unknown[0]}: allowed keys in {key} are {', '.join(sorted(fields))}"
        )
    hints = typing.get_type_hints(cls)
    values = {}
    for name, f in fields.items():
        if name in raw:
            values[name] = check_value(raw[name], hints[name], f"{key}.{name}", f.metadata)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"missing key {key}.{name}: add it to params.yaml")
    return cls(**values)


def check_value(value: Any, hint: Any, key: str, metadata: Any = None) -> Any:
    """Check ``value`` against type ``hint`` and range ``metadata``; return the converted value."""
    metadata = metadata or {}
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)

    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if value is None:
            if type(None) in args:
                return None
            raise ConfigError(f"{key} must not be null: expected {_describe(hint)}")
        errors = []
        for option in options:
            try:
                return check_value(value, option, key, metadata)
            except ConfigError as error:
                errors.append((option, error))
        # A value of the right kind (an integer, a list) that breaks that option's rule gets the
        # option's own message, which names the rule (a range, a length, an item).
        matching = [error for option, error in errors if _same_kind(value, option)]
        if len(matching) == 1:
            raise matching[0]
        raise ConfigError(f"{key} = {_show(value)} is invalid: expected {_describe(hint)}")

    if origin is Literal:
        if value not in args:
            choices = ", ".join(str(a) for a in args)
            raise ConfigError(f"{key} = {_show(value)} is invalid: choose one of {choices}")
        return value

    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{key} = {_show(value)} is invalid: expected a list")
        items = [check_value(item, args[0], f"{key}[{i}]") for i, item in enumerate(value)]
        _check_length(items, key, metadata)
        return items

    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} = {_show(value)} is invalid: expected a mapping")
        return {k: check_value(v, args[1], f"{key}.{k}") for k, v in value.items()}

    if dataclasses.is_dataclass(hint):
        return build(hint, value if value is not None else {}, key)

    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {_show(value)} is invalid: expected true or false")
        return value

    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} = {_show(value)} is invalid: expected an integer")
        _check_range(value, key, metadata)
        return value

    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} = {_show(value)} is invalid: expected a number")
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{key} = {value} is invalid: expected a finite number")
        _check_range(value, key, metadata)
        return value

    if hint is str:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key} = {_show(value)} is invalid: expected a non-empty string")
        choices = metadata.get("choices")
        if choices and value not in choices:
            raise ConfigError(
                f"{key} = {_show(value)} is invalid: choose one of {', '.join(choices)}"
            )
        pattern = metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            raise ConfigError(f"{key} = {_show(value)} is invalid: must match {pattern}")
        return value

    raise TypeError(f"config field {key} has an unsupported type {hint!r}")


def check_name(name: Any, key: str) -> str:
    """Check that a variant or reference name can serve as a DVC stage suffix and a folder."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConfigError(
            f"{key} name {_show(name)} is invalid: use letters, digits, '-' and '_' only "
            "(no dots, slashes or spaces), starting with a letter or digit"
        )
    return name


def to_dict(config: Any) -> dict[str, Any]:
    """Return a config dataclass as plain data, for logs and checkpoints."""
    return dataclasses.asdict(config)


def describe_fields(cls: type, key: str) -> list[tuple[str, str]]:
    """List the keys of config dataclass ``cls`` at dotted ``key``, each with its allowed values
    and its default or "required", for help text. Nested dataclasses are listed key by key."""
    hints = typing.get_type_hints(cls)
    rows = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            rows += describe_fields(hint, f"{key}.{f.name}")
            continue
        if "form" in f.metadata:
            # The shape and ranges of a value checked by the dataclass itself, for help text only.
            text = f.metadata["form"]
        elif "choices" in f.metadata:
            text = "one of " + ", ".join(f.metadata["choices"])
        else:
            text = _describe(hint) + _describe_range(f.metadata)
        if f.default is not dataclasses.MISSING:
            text += f"; default {_show_default(f.default)}"
        elif f.default_factory is not dataclasses.MISSING:
            text += f"; default {_show_default(f.default_factory())}"
        else:
            text += "; required"
        rows.append((f"{key}.{f.name}", text))
    return rows


def _describe_range(metadata: Any) -> str:
    bounds = [(">=", "min"), ("<=", "max"), (">", "gt"), ("<", "lt")]
    parts = [f"{sign} {metadata[name]}" for sign, name in bounds if name in metadata]
    return f", {' and '.join(parts)}" if parts else ""


def _show_default(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_show_default(item) for item in value) + "]"
    if dataclasses.is_dataclass(value):
        return "{" + ", ".join(
            f"{k}: {_show_default(v)}" for k, v in dataclasses.asdict(value).items()
        ) + "}"
    return str(value)


def _check_range(value: float, key: str, metadata: Any) -> None:
    low, high = metadata.get("min"), metadata.get("max")
    above, below = metadata.get("gt"), metadata.get("lt")
    if low is not None and value < low:
        raise ConfigError(f"{key} = {value} is out of range: must be >= {low}")
    if high is not None and value > high:
        raise ConfigError(f"{key} = {value} is out of range: must be <= {high}")
    if above is not None and value <= above:
        raise ConfigError(f"{key} = {value} is out of range: must be > {above}")
    if below is not None and value >= below:
        raise ConfigError(f"{key} = {value} is out of range: must be < {below}")


def _check_length(items: list, key: str, metadata: Any) -> None:
    shortest = metadata.get("min_length")
    if shortest is not None and len(items) < shortest:
        noun = "item" if len(items) == 1 else "items"
        raise ConfigError(f"{key} has {len(items)} {noun}: at least {shortest} required")


def _same_kind(value: Any, hint: Any) -> bool:
    """Return whether ``value`` has the Python type that ``hint`` expects, ignoring its rules."""
    origin = typing.get_origin(hint)
    if origin is list:
        return isinstance(value, list)
    if origin is dict or dataclasses.is_dataclass(hint):
        return isinstance(value, dict)
    if origin is Literal:
        return any(type(value) is type(choice) for choice in typing.get_args(hint))
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else False


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(hint))
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(hint))
    if origin is list:
        return f"a list of {_describe_items(typing.get_args(hint)[0])}"
    if origin is dict:
        return f"a mapping to {_describe_items(typing.get_args(hint)[1])}"
    if hint is type(None):
        return "null"
    return {int: "an integer", float: "a number", str: "a string", bool: "true/false"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


def _describe_items(hint: Any) -> str:
    """Describe the items of a list type in the plural ("numbers", "en or id")."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe_items(a) for a in typing.get_args(hint))
    if origin is Literal:
        return " or ".join(str(a) for a in typing.get_args(hint))
    if dataclasses.is_dataclass(hint):
        keys = ", ".join(f.name for f in dataclasses.fields(hint))
        return f"mappings with keys {keys}"
    return {int: "integers", float: "numbers", str: "strings", bool: "true/false values"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
