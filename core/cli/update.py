"""``python -m core update``: learn from the recorded outcomes now (a fast update, see
core.lifecycle.learning), registered as a candidate; promoted too with --auto-promote when the
champion/challenger rule says it is not worse."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.basics.settings import load_settings
from core.cli.options import person_name
from core.lifecycle.learning import run_update_job, update_and_register

NEEDS_DATABASE = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", type=person_name, help="who asked for it (kept with the new version)")
    parser.add_argument(
        "--auto-promote",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="promote when not worse (default: the auto_promote_updates setting)",
    )
    parser.add_argument("--job-dir", type=Path, help="report progress to this job folder (the app's)")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.job_dir is not None:
        return run_update_job(settings, args.job_dir, args.by)
    result = update_and_register(settings, args.by, args.auto_promote)
    print(result.message)
    return 0
