"""How a command refuses: one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys

REFUSED = 2


def refuse(message: str) -> int:
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)  # one line, always
    return REFUSED
