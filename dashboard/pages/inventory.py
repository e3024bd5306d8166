"""Inventory: search and filter the items; open one item's page (details, use, loans, repairs)."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from toolshare_core.catalogue import ITEM_CONDITIONS, ITEM_STATUSES, SEARCH_LIMIT
from toolshare_core.filters import Filters

st.header("Inventory")
view = ui.view_controls()
ui.caption(view)

left, mid, right = st.columns([3, 1, 1])
text = left.text_input("Search code or name", key="inventory_search",
                       placeholder="e.g. drill or PT-DRL")
status = mid.selectbox("Status", [None, *ITEM_STATUSES], key="inventory_status",
                       format_func=lambda s: "Any status" if s is None else s)
condition = right.selectbox("Condition", [None, *ITEM_CONDITIONS], key="inventory_condition",
                            format_func=lambda c: "Any condition" if c is None else c)

items = data.search_items(view.period.as_of, text or "", view.filters, status, condition)
if items.empty:
    ui.empty_state("No item matches this search.",
                   hint="Clear the search box, set Status and Condition to 'Any', or choose "
                   "'All categories' and 'All locations' in the sidebar.")
else:
    total = int(items["total_matches"].iloc[0])
    shown = items.drop(columns="total_matches")
    if total > len(shown):
        st.warning(f"Showing the first {len(shown)} of {total} matching items (sorted by code); "
                   "narrow the search to see the rest.")
    else:
        st.caption(f"{total} items match; {int(shown['on_loan'].sum())} of them are out on loan now.")
    event = st.dataframe(shown, hide_index=True, column_config=ui.column_config(shown),
                         key="inventory_table", on_select="rerun", selection_mode="single-row")
    rows = list(event.selection.rows) if event is not None else []
    picked = str(shown.iloc[rows[0]]["item_code"]) if rows else None
    if picked is not None and picked != st.session_state.get("_inventory_picked"):
        st.session_state["inventory_item"] = picked  # a click on a row opens that item below
    st.session_state["_inventory_picked"] = picked
    st.caption("Click a row to open that item's page below.")
    ui.frame_downloads(shown, name="inventory", title="Inventory", key="inventory_dl")

# --- one item ----------------------------------------------------------------------------------
st.divider()
st.subheader("Item page")
codes = list(items["item_code"]) if not items.empty else []
names = dict(zip(items["item_code"], items["item_name"], strict=True)) if codes else {}
item = ui.open_record(
    "Open item", codes, names, key="inventory_item", param="item", choose="Choose an item...",
    prompt="Choose an item to see its details, utilisation, loans and maintenance.",
    lookup=data.item_detail,
    help=f"The items of the table above (up to {SEARCH_LIMIT}); a link can name one with ?item=CODE.",
)

st.markdown(f"### {item.item_code} · {item.item_name}")
cols = st.columns(4)
cols[0].metric("Status", item.status, border=True)
cols[1].metric("Condition", item.condition, border=True)
cols[2].metric("Replacement value", f"{item.replacement_value:,.2f}", border=True)
cols[3].metric("Location", item.location, border=True)
details = {
    "Category": item.category, "Brand": item.brand or "", "Acquired on": str(item.acquired_on),
    "Retired on": str(item.retired_on or ""), "Retired because": item.retired_reason or "",
    "Notes": item.notes or "",
}
st.table({k: v for k, v in details.items() if v})

usage = data.utilisation(view.period, "item", Filters())
row = usage[usage["item_code"] == item.item_code]
st.markdown(f"**Use in the period** ({view.period.label()})")
cols = st.columns(4)
if row.empty:
    st.caption("This item could not be borrowed on any day of the period and was not lent.")
else:
    use = row.iloc[0]
    util = None if use["utilisation"] != use["utilisation"] else float(use["utilisation"])
    cols[0].metric("Utilisation", ui.format_value("utilisation", util), border=True,
                   help=ui.metric_help("utilisation"))
    cols[1].metric("Loan days", int(use["loan_days"]), border=True, help=ui.metric_help("loan_days"))
    cols[2].metric("Circulation days", int(use["circulation_days"]), border=True,
                   help=ui.metric_help("circulation_days"))
    cols[3].metric("Loans started", int(use["loans_started"]), border=True,
                   help=ui.metric_help("loans_started"))

loans_tab, repairs_tab = st.tabs(["Loan history", "Maintenance"])
with loans_tab:
    ui.loan_history(data.item_loans(item.item_id, view.period.as_of), of=item.item_code,
                    empty="This item has never been lent.", key="inventory_item_loans")
with repairs_tab:
    jobs = data.item_maintenance(item.item_id, view.period.as_of_date)
    if jobs.empty:
        ui.empty_state("No maintenance recorded for this item.")
    else:
        total_cost = float(jobs["cost"].sum())
        st.caption(f"{len(jobs)} jobs; total cost {total_cost:,.2f} against a replacement value "
                   f"of {item.replacement_value:,.2f}.")
        st.dataframe(jobs, hide_index=True, column_config=ui.column_config(jobs),
                     key="inventory_item_maintenance")
