"""DialogFormMixin: what the create/edit dialogs of the staff pages share (musician, project, need).

Open or closed, creating or editing, the problems shown at the fields (catalog keys) and "saving": a dialog
cannot be closed while it saves. ``form_key`` gives the dialog a new ``<form>`` each time it opens, so its inputs
start from the values the state holds.
"""

from __future__ import annotations

import reflex as rx


class DialogFormMixin(rx.State, mixin=True):
    dialog_open: bool = False
    editing_id: str = ""  # "" while creating
    form_key: int = 0
    field_errors: dict[str, str] = {}
    field_details: dict[str, str] = {}
    error_key: str = ""
    saving: bool = False

    def _clear_errors(self) -> None:
        self.field_errors, self.field_details, self.error_key = {}, {}, ""

    def _reset(self) -> None:
        """A dialog opened afresh: no errors, not saving, a new form."""
        self._clear_errors()
        self.saving = False
        self.form_key += 1

    @rx.event
    def set_dialog_open(self, value: bool):
        if not value and self.saving:
            return
        self.dialog_open = bool(value)
