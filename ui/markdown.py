"""Untrusted text (headlines, file names, test ids) shown through st.markdown, literally."""

from __future__ import annotations

import re

# "&" too: markdown decodes "&amp;" to "&", so a headline's "&amp;" would not show as typed.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def escape_markdown(text: str) -> str:
    """Text that st.markdown shows literally (headlines are untrusted input)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
