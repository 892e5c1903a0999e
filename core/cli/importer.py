"""``python -m core import FILE``: an A/B file (Upworthy, Ars or outcomes CSV) into the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.basics.settings import load_settings
from core.data.importer import FORMATS, describe, guess_format, import_once
from core.data.loaders import DataFormatError

NEEDS_DATABASE = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", type=Path, help="the file to import")
    parser.add_argument(
        "--format", choices=FORMATS, help="file format (default: guessed from the file name or header)"
    )
    parser.add_argument(
        "--base", action="store_true", help="import the bundled Upworthy archive instead of a file"
    )


def run(args: argparse.Namespace) -> int:
    if args.base == (args.path is not None):
        return _fail("give either a file to import or --base")
    settings = load_settings()
    path = settings.upworthy_parquet if args.base else args.path
    if not path.is_file():
        return _fail(f"no such file: {path}")
    fmt = "upworthy" if args.base else args.format or guess_format(path.name, _head(path))
    if fmt is None:
        return _fail(f"cannot tell the format of {path.name}; pass --format {'|'.join(FORMATS)}")
    try:
        imported = import_once(settings, path, fmt)
    except DataFormatError as exc:  # outcomes files: any bad row refuses the file, nothing written
        return _fail(str(exc))
    print("\n".join(describe(imported)))
    return 0


def _head(path: Path, size: int = 64 * 1024) -> bytes:
    with path.open("rb") as file:
        return file.read(size)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
