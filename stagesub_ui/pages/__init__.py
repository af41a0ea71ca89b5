"""One module per page; the page table that registers them is in stagesub_ui/stagesub_ui.py."""
