"""Command line: ``python -m core <command> ...``.

Each command is a module of this package with ``NEEDS_DATABASE``,
``add_arguments(parser)`` and ``run(args) -> int``. Only the module of the command given is
imported (torch stays unloaded for quick commands), and the database is migrated here, once,
before a command that uses it: library code never migrates.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sqlalchemy.exc import SQLAlchemyError

from core.basics.settings import load_settings
from core.cli.refusal import refuse
from core.lifecycle.leftovers import remove_stale_tmp_folders
from core.model.manifest import ModelLoadError
from db.engine import database_reason, masked_url
from db.migrate import upgrade

COMMANDS = {
    "evaluate": "core.cli.evaluate",
    "score-pairs": "core.cli.score_pairs",
    "train": "core.cli.train",
    "import": "core.cli.importer",
    "models": "core.cli.models",
    "explain": "core.cli.explain",
    "update": "core.cli.update",
}
SUMMARIES = {
    "evaluate": "evaluation tables: baselines and models on both datasets",
    "score-pairs": "score headline pairs from a CSV: adds p_a",
    "train": "fine-tune the transformer scorer",
    "import": "import an A/B file (upworthy, ars or outcomes CSV) into the database",
    "models": "list, compare, promote or roll back model versions",
    "explain": "LIME word weights for headlines in a text file, as JSON Lines",
    "update": "learn from recorded outcomes now: a fast update registered as a candidate",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    parser.add_argument(
        "command", choices=COMMANDS, help="; ".join(f"{k}: {v}" for k, v in SUMMARIES.items())
    )
    args, _ = parser.parse_known_args(argv[:1])
    module = importlib.import_module(COMMANDS[args.command])
    sub = argparse.ArgumentParser(prog=f"python -m core {args.command}", description=SUMMARIES[args.command])
    module.add_arguments(sub)
    parsed = sub.parse_args(argv[1:])
    settings = load_settings()
    try:
        remove_stale_tmp_folders(settings)  # what a killed training run left behind
        if module.NEEDS_DATABASE:
            upgrade(settings)
        return module.run(parsed)
    except ModelLoadError as exc:
        return refuse(str(exc))
    except SQLAlchemyError as exc:
        return refuse(f"the database at {masked_url(settings)} cannot be used: {database_reason(exc)}")
