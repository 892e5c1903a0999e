"""What an AppTest dataframe shows: its columns, their tooltips, its blanks."""

import json
import re


def shown_columns(table) -> list[str]:
    """The columns a table shows, in order (its column_order, else all of them)."""
    return list(table.proto.column_order) or list(table.value.columns)


def tooltips(table) -> dict[str, str]:
    """Each shown column's tooltip ("" when it has none)."""
    config = json.loads(table.proto.columns or "{}")
    return {c: (config.get(c) or {}).get("help") or "" for c in shown_columns(table)}


def blank_when_missing(table) -> bool:
    """A missing value is drawn blank: no "None" in the grid."""
    shown = table.value[shown_columns(table)]
    return (
        table.proto.HasField("placeholder") and table.proto.placeholder == ""
    ) or not shown.isna().any().any()


def unescaped(markdown: str) -> str:
    """What st.markdown shows of text escaped with ui.markdown.escape_markdown."""
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>~$:&])", r"\1", markdown)
