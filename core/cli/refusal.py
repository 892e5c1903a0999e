"""How a command refuses: one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys

from sqlalchemy.exc import SQLAlchemyError

REFUSED = 2


def refuse(message: str) -> int:
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)  # one line, always
    return REFUSED


def database_reason(exc: SQLAlchemyError) -> str:
    """The driver's own message (e.g. 'attempt to write a readonly database'), without the SQL."""
    original = getattr(exc, "orig", None)
    return str(original) if original is not None else type(exc).__name__
