"""Bulk edit: change many items in a table, preview every change, apply at once, undo a batch."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, desk_data, session
from toolshare_core.bulk_edit import BULK_COLUMNS, preview_from_editor
from toolshare_core.inventory import CONDITIONS, EDITABLE_STATUSES

session.require("editor")
st.header("Bulk edit items")
actions.show_flash()
FRAME_KEY = "bulk_frame"
EDITOR_KEY = "bulk_editor"
LAST_BATCH = "bulk_last_batch"

cats = desk_data.categories()
locs = desk_data.locations()
cat_paths = {int(r.id): str(r.path) for r in cats.itertuples()}
loc_names = {int(r.id): str(r.name) for r in locs.itertuples()}

c1, c2, c3, c4 = st.columns(4)
category = c1.selectbox("Category", [None, *cat_paths], key="bulk_category",
                        format_func=lambda i: "All categories" if i is None else cat_paths[i])
location = c2.selectbox("Location", [None, *loc_names], key="bulk_location",
                        format_func=lambda i: "All locations" if i is None else loc_names[i])
status = c3.selectbox("Status", [None, "active", "maintenance", "missing"], key="bulk_status",
                      format_func=lambda s: "Any status" if s is None else s)
search = c4.text_input("Code or name contains", key="bulk_search")

filters = (category, location, status, search)
# The editor reports edits by row position: keep the frame fixed until the filters change.
if st.session_state.get("bulk_filters") != filters or FRAME_KEY not in st.session_state:
    st.session_state["bulk_filters"] = filters
    st.session_state[FRAME_KEY] = desk_data.editable_items(category, location, status, search)
    st.session_state.pop(EDITOR_KEY, None)
frame: pd.DataFrame = st.session_state[FRAME_KEY]

if frame.empty:
    st.info("No item matches these filters (retired items are never bulk edited).")
    st.stop()

st.caption(f"{len(frame)} items. Edit cells, check the preview below, then apply.")
st.data_editor(
    frame, key=EDITOR_KEY, hide_index=True, num_rows="fixed",
    disabled=[c for c in frame.columns if c not in BULK_COLUMNS],
    column_order=["code", *BULK_COLUMNS],
    column_config={
        "category": st.column_config.SelectboxColumn("Category", options=list(cat_paths.values()),
                                                     required=True),
        "location": st.column_config.SelectboxColumn("Location", options=list(loc_names.values()),
                                                     required=True),
        "condition": st.column_config.SelectboxColumn("Condition", options=list(CONDITIONS),
                                                      required=True),
        "status": st.column_config.SelectboxColumn(
            "Status", options=[*EDITABLE_STATUSES, "maintenance"], required=True,
            help="active or missing; maintenance is set from the lending desk"),
        "replacement_value": st.column_config.NumberColumn("Replacement value", min_value=0,
                                                           format="%.2f"),
    },
)
edits = st.session_state.get(EDITOR_KEY, {}).get("edited_rows", {})
changes = preview_from_editor(frame, edits)

st.subheader("Preview")
if changes.empty:
    st.caption("No changes yet.")
else:
    st.dataframe(changes[["code", "field", "old", "new"]].astype(str), hide_index=True,
                 key="bulk_preview")
    if st.button(f"Apply {len(changes)} changes to {changes['item_id'].nunique()} items",
                 key="bulk_apply", type="primary"):
        result = actions.apply_bulk(changes=changes)
        if result is not None:
            st.session_state[LAST_BATCH] = str(result.batch_id)
            st.session_state.pop(FRAME_KEY, None)
            actions.flash(f"Changed {result.fields_changed} fields of {result.items_changed} items "
                          f"(batch {result.batch_id}).")
            st.rerun()

st.subheader("Undo a batch")
batches = desk_data.recent_batches()
options = [str(b) for b in batches["batch_id"]] if not batches.empty else []
labels = {str(r.batch_id): f"{r.at:%Y-%m-%d %H:%M} by {r.actor_name}: {r.fields} fields"
          for r in batches.itertuples()} if not batches.empty else {}
last = st.session_state.get(LAST_BATCH)
default = last if last in options else (options[0] if options else None)
batch = st.selectbox("Batch", options, format_func=lambda b: labels.get(b, b), key="bulk_undo_pick",
                     index=options.index(default) if default else None) or default
if batch and st.button("Undo this batch", key="bulk_undo"):
    undone = actions.undo_bulk(batch_id=batch)
    if undone is not None:
        st.session_state.pop(FRAME_KEY, None)
        st.session_state.pop(LAST_BATCH, None)
        actions.flash(f"Undone: {undone.fields_changed} fields put back on {undone.items_changed} items.")
        st.rerun()
