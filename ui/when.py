"""Dates and times as an editor reads them: in the browser's time zone, without seconds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(st.context.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, AttributeError):
        return ZoneInfo("UTC")


def zone_name() -> str:
    """The editor's time zone as an IANA name ("Europe/Berlin"), for Streamlit's datetime columns."""
    return _zone().key


def local(moment: datetime | pd.Timestamp | None) -> str:
    """ "30 Nov 2026, 04:21" in the editor's time zone; "" when unknown."""
    if moment is None or pd.isna(moment):
        return ""
    return pd.Timestamp(moment).tz_convert(_zone()).strftime("%-d %b %Y, %H:%M")


def local_day(moment: datetime | pd.Timestamp | None) -> str:
    """ "30 Nov 2026" in the editor's time zone; "" when unknown."""
    if moment is None or pd.isna(moment):
        return ""
    return pd.Timestamp(moment).tz_convert(_zone()).strftime("%-d %b %Y")
