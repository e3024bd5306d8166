"""Plotly figures for the read pages, drawn from the frames the core returns (no fetching here).

Every figure has a title, axis labels with units and hover details; categories keep the same
colour on every chart (a stable colour per top-level category name).
"""

from __future__ import annotations

import zlib

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

PALETTE = px.colors.qualitative.Safe + px.colors.qualitative.Vivid
LOANS_COLOUR, BORROWERS_COLOUR, UTILISATION_COLOUR = "#1f77b4", "#ff7f0e", "#2ca02c"
BUCKET_ORDER = ["1-7", "8-30", "31-60", "61+"]
BUCKET_COLOURS = {"1-7": "#fdd49e", "8-30": "#fc8d59", "31-60": "#d7301f", "61+": "#7f0000"}
SIGNAL_COLOURS = {"buy another copy": "#d62728", "idle: reconsider": "#7f7f7f", "ok": "#2ca02c"}


def category_colour(category: str) -> str:
    """The same colour for a category (by its top-level name) on every chart and page."""
    top = category.split(" / ")[0]
    return PALETTE[zlib.crc32(top.encode()) % len(PALETTE)]


def category_colour_map(categories: pd.Series) -> dict[str, str]:
    return {name: category_colour(str(name)) for name in categories.dropna().unique()}


def _layout(fig: go.Figure, title: str, *, x: str, y: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title, xaxis_title=x, yaxis_title=y, height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend_title_text="",
        hoverlabel={"namelength": -1},
    )
    return fig


def loans_per_month(trend: pd.DataFrame) -> go.Figure:
    """Loans started (bars) and active borrowers (line) per month."""
    fig = go.Figure()
    fig.add_bar(x=trend["month"], y=trend["loans_started"], name="Loans started",
                marker_color=LOANS_COLOUR,
                hovertemplate="%{x|%b %Y}<br>%{y} loans started<extra></extra>")
    fig.add_scatter(x=trend["month"], y=trend["active_borrowers"], name="Active borrowers",
                    mode="lines+markers", line_color=BORROWERS_COLOUR,
                    hovertemplate="%{x|%b %Y}<br>%{y} active borrowers<extra></extra>")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return _layout(fig, "Loans and active borrowers per month", x="Month",
                   y="Loans / members (count)")


def utilisation_per_month(trend: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=trend["month"], y=trend["utilisation"], mode="lines+markers", name="Utilisation",
        line_color=UTILISATION_COLOUR,
        customdata=trend[["loan_days", "circulation_days"]],
        hovertemplate="%{x|%b %Y}<br>%{y:.1%} utilisation<br>%{customdata[0]} loan days of "
        "%{customdata[1]} circulation days<extra></extra>",
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return _layout(fig, "Utilisation per month", x="Month", y="Utilisation (% of circulation days)")


def members_per_month(trend: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=trend["month"], y=trend["new_members"], name="New members",
                marker_color="#9467bd",
                hovertemplate="%{x|%b %Y}<br>%{y} new members<extra></extra>")
    fig.add_scatter(x=trend["month"], y=trend["active_borrowers"], name="Active borrowers",
                    mode="lines+markers", line_color=BORROWERS_COLOUR,
                    hovertemplate="%{x|%b %Y}<br>%{y} active borrowers<extra></extra>")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    return _layout(fig, "New members and active borrowers per month", x="Month",
                   y="Members (count)")


def utilisation_bars(frame: pd.DataFrame, label: str, *, title: str) -> go.Figure:
    """Horizontal bars of utilisation per group (label column), coloured by category if known."""
    ordered = frame.sort_values("utilisation", ascending=True, na_position="first")
    colour_col = "category" if "category" in ordered.columns else None
    fig = px.bar(
        ordered, x="utilisation", y=label, orientation="h", color=colour_col,
        color_discrete_map=category_colour_map(ordered["category"]) if colour_col else None,
        hover_data={"circulation_days": True, "loan_days": True, "loans_started": True,
                    "utilisation": ":.1%", label: True},
    )
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_layout(showlegend=False)
    return _layout(fig, title, x="Utilisation (% of circulation days)", y="",
                   height=max(300, 28 * len(ordered) + 120))


def category_month_heatmap(frame: pd.DataFrame) -> go.Figure:
    grid = frame.pivot_table(index="category", columns="month", values="utilisation",
                             aggfunc="first").sort_index(ascending=False)
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[pd.Timestamp(m).strftime("%b %Y") for m in grid.columns],
        y=list(grid.index), colorscale="Blues", zmin=0, zmax=1,
        colorbar={"title": "Utilisation", "tickformat": ".0%"},
        hovertemplate="%{y}<br>%{x}: %{z:.1%}<extra></extra>",
    ))
    return _layout(fig, "Utilisation by category and month", x="Month", y="Category",
                   height=max(320, 24 * len(grid) + 140))


def demand_chart(frame: pd.DataFrame) -> go.Figure:
    fig = px.scatter(
        frame, x="utilisation", y="all_out_share", size="items", color="signal",
        color_discrete_map=SIGNAL_COLOURS, hover_name="category",
        hover_data={"items": True, "loans_started": True, "utilisation": ":.1%",
                    "all_out_share": ":.1%", "signal": False},
    )
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return _layout(fig, "Demand by category", x="Utilisation (% of circulation days)",
                   y="Days all copies were out (%)")


def top_items(frame: pd.DataFrame, *, n: int = 15) -> go.Figure:
    top = frame.nlargest(n, "loans_started").sort_values("loans_started")
    labels = top["item_code"] + " " + top["item_name"]
    fig = px.bar(top.assign(label=labels), x="loans_started", y="label", orientation="h",
                 color="category", color_discrete_map=category_colour_map(top["category"]),
                 hover_data={"utilisation": ":.1%", "loan_days": True, "label": False})
    return _layout(fig, f"Top {len(top)} items by loans started", x="Loans started (count)",
                   y="", height=max(300, 26 * len(top) + 140))


def overdue_by_bucket(frame: pd.DataFrame) -> go.Figure:
    """Overdue loans per aging bucket, with the replacement value at risk in the hover."""
    grouped = (frame.groupby("bucket", observed=False)
               .agg(loans=("item_code", "size"), value=("replacement_value", "sum"))
               .reindex(BUCKET_ORDER, fill_value=0).reset_index())
    fig = go.Figure(go.Bar(
        x=grouped["bucket"], y=grouped["loans"],
        marker_color=[BUCKET_COLOURS[b] for b in grouped["bucket"]],
        customdata=grouped[["value"]],
        hovertemplate="%{x} days overdue<br>%{y} loans<br>replacement value %{customdata[0]:,.2f}"
        "<extra></extra>",
    ))
    return _layout(fig, "Overdue loans by days overdue", x="Days overdue", y="Loans (count)")


def postcode_reach(frame: pd.DataFrame, *, n: int = 25) -> go.Figure:
    top = frame.nlargest(n, "members").sort_values("members")
    fig = go.Figure()
    fig.add_bar(y=top["postcode_district"], x=top["members"], orientation="h",
                name="Members", marker_color="#9467bd",
                hovertemplate="%{y}: %{x} members<extra></extra>")
    fig.add_bar(y=top["postcode_district"], x=top["active_borrowers"], orientation="h",
                name="Active borrowers", marker_color=BORROWERS_COLOUR,
                hovertemplate="%{y}: %{x} active borrowers<extra></extra>")
    fig.update_layout(barmode="group")
    return _layout(fig, "Members and borrowers by postcode district", x="Members (count)",
                   y="Postcode district", height=max(320, 30 * len(top) + 140))


def maintenance_cost(frame: pd.DataFrame) -> go.Figure:
    """Maintenance cost against replacement value per item (the diagonal: cost = value)."""
    fig = px.scatter(
        frame, x="replacement_value", y="cost", color="category",
        color_discrete_map=category_colour_map(frame["category"]),
        hover_name="item_name",
        hover_data={"item_code": True, "days_out_of_service": True, "category": False},
    )
    top = float(max(frame["replacement_value"].max(), frame["cost"].max(), 1.0))
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name="cost = value",
                    line={"dash": "dot", "color": "#888"}, hoverinfo="skip")
    return _layout(fig, "Maintenance cost against replacement value",
                   x="Replacement value (currency)", y="Maintenance cost (currency)")
