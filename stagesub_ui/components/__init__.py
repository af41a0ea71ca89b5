"""Reusable UI pieces: the staff shell (sidebar, header, user menu) and small form helpers."""
