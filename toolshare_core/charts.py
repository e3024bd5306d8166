"""Plotly figures made from report frames (no data fetching here), shared by dashboard and PDF."""

from __future__ import annotations
