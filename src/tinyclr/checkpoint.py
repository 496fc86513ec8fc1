"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint contains the model, optimizer, scheduler and grad scaler states, the torch random
number generator states, the number of optimizer steps taken, the per-step metrics so far, and the
resolved config with a fingerprint of the training data. It is resumed only when the config and
the fingerprint match the current run.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tinyclr.files import atomic_path

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "last.pt"


def data_fingerprint(images: np.ndarray) -> dict[str, Any]:
    """Return the shape and SHA-256 of the training images, to detect changed data on resume."""
    digest = hashlib.sha256(memoryview(np.ascontiguousarray(images)).cast("B")).hexdigest()
    return {"shape": list(images.shape), "sha256": digest}


def rng_state() -> dict[str, Any]:
    """Return the torch generator states that augmentation and initialisation draw from."""
    state: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the generator states saved by :func:`rng_state`."""
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` atomically, so a kill during the write keeps the previous checkpoint."""
    with atomic_path(path) as temporary:
        torch.save(state, temporary)
    log.debug("checkpoint saved at step %d to %s", state["step"], path)


def load_matching_checkpoint(
    path: Path, config: dict[str, Any], fingerprint: dict[str, Any]
) -> dict[str, Any] | None:
    """Return the checkpoint at ``path`` if it was written for this config and data, else None.

    A missing checkpoint starts a fresh run silently. An unreadable one, or one from another
    config or data, starts a fresh run with a warning that names the reason.
    """
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, KeyError, ValueError) as error:
        log.warning("starting afresh: checkpoint %s is unreadable (%s)", path, error)
        return None

    if state.get("config") != config:
        changed = sorted(
            key
            for key in set(config) | set(state.get("config", {}))
            if config.get(key) != state.get("config", {}).get(key)
        )
        log.warning(
            "starting afresh: checkpoint %s was written with a different config (%s)",
            path,
            ", ".join(changed),
        )
        return None
    if state.get("data") != fingerprint:
        log.warning("starting afresh: checkpoint %s was written for different training data", path)
        return None
    return state
