"""Edit inventory: add, edit and retire items; manage categories (two levels) and locations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import actions, desk_data, forms, session
from toolshare_core.inventory import CONDITIONS, EDITABLE_STATUSES

session.require("editor")
st.header("Edit inventory")
actions.show_flash()

cats = desk_data.categories()
locs = desk_data.locations()
cat_paths = {int(r.id): str(r.path) for r in cats.itertuples()}
loc_names = {int(r.id): str(r.name) for r in locs.itertuples()}
tops = {int(r.id): str(r.name) for r in cats.itertuples() if r.depth == 1}
SEEN = "edit_item_seen_version"  # item id -> the version the editor opened


def _item_form(prefix: str, current: dict[str, Any] | None) -> dict[str, Any] | None:
    """The item fields; returns the values when the form is submitted."""
    cur = current or {}
    code = st.text_input("Code", value=cur.get("code", ""), key=f"{prefix}_code", max_chars=40)
    name = st.text_input("Name", value=cur.get("name", ""), key=f"{prefix}_name", max_chars=200)
    cat_ids = list(cat_paths)
    category = st.selectbox("Category", cat_ids, format_func=cat_paths.get, key=f"{prefix}_category",
                            index=cat_ids.index(cur["category_id"]) if cur.get("category_id") in cat_ids else None)
    loc_ids = list(loc_names)
    location = st.selectbox("Location", loc_ids, format_func=loc_names.get, key=f"{prefix}_location",
                            index=loc_ids.index(cur["location_id"]) if cur.get("location_id") in loc_ids else None)
    condition = st.selectbox("Condition", CONDITIONS, key=f"{prefix}_condition",
                             index=CONDITIONS.index(cur.get("condition", "good")))
    value = st.number_input("Replacement value", min_value=0.0, step=1.0, format="%.2f",
                            value=float(cur.get("replacement_value", 0)), key=f"{prefix}_value")
    acquired = st.date_input("Acquired on", value=cur.get("acquired_on", date.today()),
                             key=f"{prefix}_acquired")
    brand = st.text_input("Brand", value=cur.get("brand") or "", key=f"{prefix}_brand", max_chars=100)
    notes = st.text_area("Notes", value=cur.get("notes") or "", key=f"{prefix}_notes", max_chars=2000)
    fields: dict[str, Any] = {
        "code": code, "name": name, "category_id": category, "location_id": location,
        "condition": condition, "replacement_value": Decimal(str(value)).quantize(Decimal("0.01")),
        "acquired_on": acquired, "brand": brand or None, "notes": notes or None,
    }
    if current is not None and current["status"] in EDITABLE_STATUSES:
        fields["status"] = st.selectbox("Status", EDITABLE_STATUSES, key=f"{prefix}_status",
                                        index=EDITABLE_STATUSES.index(current["status"]))
    return fields


tab_edit, tab_add, tab_categories, tab_locations = st.tabs(
    ["Edit or retire an item", "Add an item", "Categories", "Locations"])

with tab_edit:
    search = st.text_input("Find an item", key="inv_search", placeholder="code or name")
    found = desk_data.items(search or "", include_retired=True)
    labels = {int(r.id): f"{r.code} · {r.name} ({r.status})" for r in found.itertuples()}
    item_id = forms.choose("Item", labels, key="inv_item", placeholder="Choose an item to edit")
    if item_id is not None:
        current, seen = forms.open_for_edit(item_id, desk_data.item, SEEN)
        if current["status"] == "retired":
            st.info(f"Retired on {current['retired_on']}: {current.get('retired_reason') or 'no reason given'}.")
        else:
            with st.form(f"inv_edit_form_{item_id}"):
                fields = _item_form(f"inv_edit_{item_id}", current)
                saved = st.form_submit_button("Save changes", key="inv_edit_submit", type="primary")
            if saved and fields is not None:
                forms.save_edit(actions.edit_item, "item_id", item_id, seen, fields,
                                done=f"Saved item {fields['code']}.")
            forms.reload_button("Reload this item", key="inv_reload", record_id=item_id, seen=seen,
                                fields_prefix=f"inv_edit_{item_id}_", cached=desk_data.item,
                                help="Drop your unsaved changes and show the item as it is now.")
            with st.expander("Retire this item"):
                with st.form(f"inv_retire_form_{item_id}"):
                    reason = st.text_input("Reason", key="inv_retire_reason",
                                           placeholder="e.g. motor burnt out, not worth repairing")
                    retired_on = st.date_input("Retired on", key="inv_retire_date")
                    retire = st.form_submit_button("Retire item", key="inv_retire_submit")
                if retire and actions.retire_item(item_id=item_id, reason=reason, retired_on=retired_on,
                                                  expected_version=seen[item_id]):
                    seen.pop(item_id, None)
                    actions.flash(f"Retired item {current['code']} from {retired_on}.")
                    st.rerun()

with tab_add:
    if not cat_paths or not loc_names:
        st.info("Add at least one category and one location first (the tabs on the right).")
    else:
        with st.form("inv_add_form", clear_on_submit=False):
            new_fields = _item_form("inv_add", None)
            added = st.form_submit_button("Add item", key="inv_add_submit", type="primary")
        if added and new_fields is not None:
            if new_fields["category_id"] is None or new_fields["location_id"] is None:
                st.error("Choose a category and a location.")
            elif actions.add_item(**new_fields) is not None:
                actions.flash(f"Added item {new_fields['code']}.")
                forms.forget_fields("inv_add_")
                st.rerun()

with tab_categories:
    st.dataframe(cats[["path", "loan_period_days"]], hide_index=True, key="inv_categories_table")
    left, right = st.columns(2)
    with left, st.form("inv_cat_add_form", clear_on_submit=True):
        st.subheader("Add a category")
        cat_name = st.text_input("Name", key="inv_cat_name")
        parent = st.selectbox("Under", [None, *tops], key="inv_cat_parent",
                              format_func=lambda i: "(top category)" if i is None else tops[i])
        days = st.number_input("Loan length (days)", min_value=1, max_value=365, value=7,
                               key="inv_cat_days")
        if st.form_submit_button("Add category", key="inv_cat_add_submit") and \
                actions.add_category(name=cat_name, parent_id=parent, loan_period_days=int(days)):
            actions.flash(f"Added category {cat_name}.")
            st.rerun()
    with right:
        st.subheader("Change a category")
        if (picked_cat := forms.choose_row("Category", cat_paths, cats, key="inv_cat_pick")) is not None:
            cat_id, row = picked_cat
            with st.form(f"inv_cat_edit_form_{cat_id}"):
                new_name = st.text_input("Name", value=str(row["name"]), key=f"inv_cat_edit_name_{cat_id}")
                parent_options = [None, *[t for t in tops if t != cat_id]]
                current_parent = None if pd.isna(row["parent_id"]) else int(row["parent_id"])
                new_parent = st.selectbox(
                    "Under", parent_options, key=f"inv_cat_edit_parent_{cat_id}",
                    index=parent_options.index(current_parent) if current_parent in parent_options else 0,
                    format_func=lambda i: "(top category)" if i is None else tops[i])
                new_days = st.number_input("Loan length (days)", min_value=1, max_value=365,
                                           value=int(row["loan_period_days"]),
                                           key=f"inv_cat_edit_days_{cat_id}")
                if st.form_submit_button("Save category", key="inv_cat_edit_submit") and \
                        actions.edit_category(category_id=cat_id, name=new_name, parent_id=new_parent,
                                              loan_period_days=int(new_days)):
                    actions.flash(f"Saved category {new_name}.")
                    st.rerun()

with tab_locations:
    st.dataframe(locs[["name", "address"]], hide_index=True, key="inv_locations_table")
    left, right = st.columns(2)
    with left, st.form("inv_loc_add_form", clear_on_submit=True):
        st.subheader("Add a location")
        loc_name = st.text_input("Name", key="inv_loc_name")
        address = st.text_area("Address (optional)", key="inv_loc_address")
        if st.form_submit_button("Add location", key="inv_loc_add_submit") and \
                actions.add_location(name=loc_name, address=address or None):
            actions.flash(f"Added location {loc_name}.")
            st.rerun()
    with right:
        st.subheader("Rename a location")
        if (picked_loc := forms.choose_row("Location", loc_names, locs, key="inv_loc_pick")) is not None:
            loc_id, loc_row = picked_loc
            with st.form(f"inv_loc_edit_form_{loc_id}"):
                renamed = st.text_input("Name", value=str(loc_row["name"]), key=f"inv_loc_edit_name_{loc_id}")
                new_address = st.text_area("Address", value="" if pd.isna(loc_row["address"]) else str(loc_row["address"]),
                                           key=f"inv_loc_edit_address_{loc_id}")
                if st.form_submit_button("Save location", key="inv_loc_edit_submit") and \
                        actions.edit_location(location_id=loc_id, name=renamed, address=new_address or None):
                    actions.flash(f"Saved location {renamed}.")
                    st.rerun()
