# Names and checks shared by every rule.

import re

VARIANTS = list(config["variants"])
REFERENCES = list(config.get("references") or {})
NAMES = VARIANTS + REFERENCES

for name in NAMES:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise ValueError(
            f"variant or reference name {name!r} in params.yaml is invalid: use letters, digits, "
            "'-' and '_' only"
        )

wildcard_constraints:
    variant="|".join(map(re.escape, VARIANTS)) or "^$",
    reference="|".join(map(re.escape, REFERENCES)) or "^$",
    name="|".join(map(re.escape, NAMES)),


def source(*modules):
    """Return package source paths, so that a code edit reruns the rules that run it."""
    return [f"src/tinyclr/{module}" for module in modules]
