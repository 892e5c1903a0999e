"""Command line: ``python -m core <command> ...``.

Each command lives in its own module exposing ``add_arguments(parser)`` and ``run(args) -> int``;
only the module of the command given is imported (torch stays unloaded for quick commands).
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "evaluate": ("core.evaluation.evaluate", "evaluation tables: baselines and models on both datasets"),
    "score-pairs": ("core.newsroom.score_pairs", "score headline pairs from a CSV: adds p_a"),
    "train": ("core.training.loop", "fine-tune the transformer scorer"),
    "import": ("core.data.importer", "import an A/B file (upworthy, ars or outcomes CSV) into the database"),
    "models": ("core.lifecycle.registry", "list, compare, promote or roll back model versions"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    parser.add_argument(
        "command", choices=COMMANDS, help="; ".join(f"{k}: {v[1]}" for k, v in COMMANDS.items())
    )
    args, rest = parser.parse_known_args(argv[:1])
    module_name, help_text = COMMANDS[args.command]
    module = importlib.import_module(module_name)
    sub = argparse.ArgumentParser(prog=f"python -m core {args.command}", description=help_text)
    module.add_arguments(sub)
    return module.run(sub.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
