"""Command line: ``python -m tinyclr <stage> [options]``, one subcommand per pipeline stage.

Each stage module exposes ``add_arguments(parser)`` and ``run(args)``. Modules are imported only
when their stage runs, so ``tinyclr download`` does not pay for importing torch.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import textwrap
from types import ModuleType

from tinyclr.config import ConfigError, describe_fields
from tinyclr.errors import StageError

STAGES = {
    "download": ("tinyclr.data.download", "Fetch and verify the Tiny ImageNet zip."),
    "prepare": ("tinyclr.data.prepare", "Decode the zip into compact uint8 arrays."),
    "train": ("tinyclr.train", "Train one SimCLR variant."),
    "features": ("tinyclr.features", "Extract frozen backbone features."),
    "evaluate": ("tinyclr.evaluate", "Linear probe and kNN accuracy on frozen features."),
    "tsne": ("tinyclr.tsne", "t-SNE embedding and silhouette scores of val features."),
    "figures": ("tinyclr.figures", "Figures for the report, as PDF and PNG."),
    "report": ("tinyclr.report", "IEEE-style report PDFs from the measured results."),
}

# The params.yaml section each stage reads, with its config class in the stage module, and the
# further sections it reads.
CONFIGS = {
    "download": ("data", "DataConfig", ""),
    "prepare": ("prepare", "PrepareConfig", ""),
    "train": ("train", "TrainConfig", "merged with variants.<variant>"),
    "features": (
        "features",
        "FeaturesConfig",
        "with --reference also references.<name>, train.seed and train.stem",
    ),
    "evaluate": ("evaluate", "EvaluateConfig", ""),
    "tsne": ("tsne", "TsneConfig", ""),
    "figures": ("figures", "FiguresConfig", "the names in variants and references"),
    "report": ("report", "ReportConfig", "the names in variants and references"),
}

log = logging.getLogger("tinyclr")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show defaults, except the None of options that have no default, and keep the epilog's
    line breaks."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.required:
            return action.help or ""
        return super()._get_help_string(action)


def settings_epilog(stage: str, module: ModuleType) -> str:
    """List the params.yaml keys that ``stage`` reads, with allowed values and defaults."""
    section, class_name, also = CONFIGS[stage]
    rows = describe_fields(getattr(module, class_name), section)
    # Keys that each variant sets in its own entry (train's) are listed under that path.
    variant_keys = {f"{section}.{name}" for name in getattr(module, "REQUIRED_VARIANT_KEYS", ())}
    rows = [
        (key.replace(f"{section}.", "variants.<variant>.", 1) if key in variant_keys else key, text)
        for key, text in rows
    ]
    width = max(len(key) for key, _ in rows) + 2
    lines = [f"params.yaml keys ({section}{'; ' + also if also else ''}):"]
    for key, text in rows:
        lines += textwrap.wrap(
            text,
            width=100,
            initial_indent="  " + key.ljust(width),
            subsequent_indent=" " * (width + 4),
        )
    lines.append("The comments in params.yaml explain each key.")
    if module_epilog := getattr(module, "EPILOG", ""):
        lines += ["", *textwrap.wrap(module_epilog, width=100)]
    return "\n".join(lines)


def build_parser(stage: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; with ``stage`` given, import and attach only that stage's options."""
    parser = argparse.ArgumentParser(
        prog="tinyclr",
        description="SimCLR experiments on Tiny ImageNet, one pipeline stage per subcommand.",
    )
    subparsers = parser.add_subparsers(dest="stage", metavar="STAGE", required=True)
    for name, (module_name, summary) in STAGES.items():
        sub = subparsers.add_parser(
            name, help=summary, description=summary, formatter_class=HelpFormatter
        )
        sub.add_argument(
            "--params", default="params.yaml", help="params file with one section per stage"
        )
        sub.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
        if name == stage:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.epilog = settings_epilog(name, module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stage = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(stage if stage in STAGES else None)
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format=f"%(asctime)s tinyclr {args.stage}: %(message)s",
        datefmt="%H:%M:%S",
    )
    module = importlib.import_module(STAGES[args.stage][0])
    try:
        module.run(args)
    except (ConfigError, StageError) as error:
        print(f"tinyclr {args.stage}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"tinyclr {args.stage}: interrupted", file=sys.stderr)
        return 130
    return 0
