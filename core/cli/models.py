"""``python -m core models ...``: list, show, compare, promote or roll back model versions."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from core.basics.settings import load_settings
from core.cli.options import person_name
from core.cli.refusal import refuse
from core.lifecycle import activation, champion, registry
from core.lifecycle.summary import version_summary
from db.schema import ModelVersion

NEEDS_DATABASE = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="registered versions, newest first")
    show = sub.add_parser("show", help="one version: data, code, settings, metrics, events")
    show.add_argument("version")
    compare = sub.add_parser("compare", help="a candidate beside the active model on held-out pairs")
    compare.add_argument("version", nargs="?", help="default: the newest candidate")
    promote = sub.add_parser("promote", help="make a candidate active if it is not worse")
    promote.add_argument("version")
    promote.add_argument("--override", action="store_true", help="promote even if it is worse")
    rollback_parser = sub.add_parser("rollback", help="serve an earlier version again")
    rollback_parser.add_argument("version")
    for p in (promote, rollback_parser):
        p.add_argument(
            "--by", type=person_name, help="your name (required with --override, and to roll back)"
        )
        p.add_argument("--reason", help="why (required with --override)")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args, load_settings())
    except (ValueError, RuntimeError) as exc:  # no such version, already active, changed meanwhile
        return refuse(str(exc))


def _run(args: argparse.Namespace, settings) -> int:
    if args.action == "list":
        rows = registry.versions(settings)
        print(pd.DataFrame([version_summary(r) for r in rows]).to_string(index=False) if rows else "none")
    elif args.action == "show":
        row = registry.get_version(settings, args.version)
        shown = {c.name: getattr(row, c.name) for c in ModelVersion.__table__.columns}
        history = registry.events(settings, row.version)
        shown["events"] = [f"{e.at:%Y-%m-%d %H:%M} {e.action} by {e.by}: {e.note}" for e in history]
        print(json.dumps(shown, indent=2, default=str))
    elif args.action == "compare":
        print(champion.compare(settings, args.version or champion.newest_candidate(settings)).report())
    elif args.action == "promote":
        try:
            result = champion.promote(settings, args.version, args.by, args.override, args.reason)
        except champion.PromotionRefused as refused:
            print(refused.comparison.report())
            print(f"\nrefused: {refused}\n(add --override --by NAME --reason TEXT to promote anyway)")
            return 2
        print(result.report() if result else "")
        print(f"{args.version} is now active")
    elif args.action == "rollback":
        activation.rollback(settings, args.version, args.by, args.reason)
        print(f"{args.version} is now active")
    return 0
