"""Command line: ``python -m tinyclr <stage> [options]``, one subcommand per pipeline stage.

Each stage module exposes ``add_arguments(parser)`` and ``run(args)``. Modules are imported only
when their stage runs, so ``tinyclr download`` does not pay for importing torch.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from tinyclr.config import ConfigError
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

# The params.yaml keys each stage reads; their comments in params.yaml give units and defaults.
PARAMS_READ = {
    "download": "data",
    "prepare": "prepare",
    "train": "train, merged with variants.<variant>",
    "features": "features; with --reference also references.<name>, train.seed and train.stem",
    "evaluate": "evaluate",
    "tsne": "tsne",
    "figures": "figures, variants, references",
    "report": "report, variants, references",
}

log = logging.getLogger("tinyclr")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show defaults, except the None of options that have no default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.required:
            return action.help or ""
        return super()._get_help_string(action)


def build_parser(stage: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; with ``stage`` given, import and attach only that stage's options."""
    parser = argparse.ArgumentParser(
        prog="tinyclr",
        description="SimCLR experiments on Tiny ImageNet, one pipeline stage per subcommand.",
    )
    subparsers = parser.add_subparsers(dest="stage", metavar="STAGE", required=True)
    for name, (module_name, summary) in STAGES.items():
        sub = subparsers.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=f"Settings: the params file keys {PARAMS_READ[name]}; "
            "the comments in params.yaml give their units and defaults.",
            formatter_class=HelpFormatter,
        )
        sub.add_argument(
            "--params", default="params.yaml", help="params file with one section per stage"
        )
        sub.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
        if name == stage:
            importlib.import_module(module_name).add_arguments(sub)
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
