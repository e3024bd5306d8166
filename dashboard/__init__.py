"""ToolShare dashboard: thin Streamlit pages over toolshare_core."""
