"""Command line: ``python -m core <command> ...``.

Each command lives in its own module exposing ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "evaluate": ("core.evaluate", "evaluation tables: baselines and models on both datasets"),
    "score-pairs": ("core.score_pairs", "score headline pairs from a CSV: adds p_a"),
    "train": ("core.train", "fine-tune the transformer scorer"),
    "import": ("core.importer", "import an A/B file (upworthy, ars or outcomes CSV) into the database"),
    "models": ("core.registry", "list, promote or roll back model versions"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # command not built yet
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    return modules[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
