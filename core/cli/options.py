"""Command-line options generated from a config dataclass, so no field can be missing there.

Each field becomes ``--field-name`` with its type, default and the comment beside it as help;
tuples become ``nargs``, booleans ``--flag`` / ``--no-flag``, ``X | None`` an optional X.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import types
import typing

from core.basics.text import name_problem


def field_comments(cls: type) -> dict[str, str]:
    """{field: the comment beside it in the class body, or the comment lines just above it}."""
    comments, above = {}, []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("# "))
            continue
        match = re.match(r"\s+(\w+): [^#]*?(?:#\s*(.+))?$", line)
        if match and match.group(1) not in comments:
            comments[match.group(1)] = (match.group(2) or " ".join(above)).strip()
        above = []
    return comments


def _base_type(annotation: object) -> tuple[type, bool, bool]:
    """(element type, is_tuple, optional) of an annotation such as ``tuple[int, ...]``."""
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional, annotation = True, args[0]
    if typing.get_origin(annotation) is tuple:
        return typing.get_args(annotation)[0], True, optional
    return annotation, False, optional


def add_dataclass_arguments(
    parser: argparse.ArgumentParser, cls: type, choices: dict[str, list] | None = None
) -> None:
    """One option per field of the dataclass ``cls`` (defaults: the dataclass's own)."""
    hints = typing.get_type_hints(cls)
    comments = field_comments(cls)
    defaults = cls()
    for f in dataclasses.fields(cls):
        if not f.init or not f.compare:
            continue
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        kind, is_tuple, optional = _base_type(hints[f.name])
        extra = {"help": comments.get(f.name, ""), "dest": f.name}
        if choices and f.name in choices:
            extra["choices"] = choices[f.name]
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, **extra)
        elif is_tuple:
            parser.add_argument(flag, type=kind, nargs="*", default=list(default), **extra)
        else:
            parser.add_argument(flag, type=kind, default=None if optional else default, **extra)


def dataclass_from_args(cls: type, args: argparse.Namespace):
    """The dataclass instance the parsed options describe."""
    values = {}
    for f in dataclasses.fields(cls):
        if f.init and f.compare and hasattr(args, f.name):
            value = getattr(args, f.name)
            values[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


def person_name(text: str) -> str:
    """argparse type of ``--by``: refused at once by the stored rule for names
    (core.basics.text.name_problem), not after a training has run."""
    problem = name_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text
