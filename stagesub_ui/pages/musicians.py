"""``/musicians``: the roster. Search as you type, filters, totals, one page of rows at a time, the create dialog.

The search box is an uncontrolled input (the text never waits for a round trip) whose changes reach the server
throttled and debounced (``SEARCH_THROTTLE_MS``, ``SEARCH_DEBOUNCE_MS``): a burst of keystrokes costs a few
queries, the first result comes at once and the final text is always searched. The create/edit dialog
(``musician_dialog``) is shared with the profile page.
"""

from __future__ import annotations

import reflex as rx

from stagesub_ui import routes, styles
from stagesub_ui.components.links import plain_link
from stagesub_ui.components.shell import staff_page
from stagesub_ui.components.ui import error_message
from state.musicians import (
    ALL,
    QUALIFICATION_PREFIX,
    InstrumentChoice,
    MusicianFormState,
    MusicianRow,
    MusiciansState,
    PositionChoice,
)
from state.session import SessionState

T = SessionState.t
S = MusiciansState
F = MusicianFormState

SEARCH_THROTTLE_MS = 200
SEARCH_DEBOUNCE_MS = 120
"""The search box fires twice per burst of typing: at once on the first keystroke (then at most every
``SEARCH_THROTTLE_MS`` while typing goes on), and ``SEARCH_DEBOUNCE_MS`` after the last one with the final text
(a no-op when that text was searched already). So the first result needs no waiting and the last is never lost."""
SEARCH_ID = "musician-search"
# Empty the search box *through its change handler*: that replaces a debounced search still waiting (typed a
# moment before the click), which would otherwise arrive after the reset and bring the old text back.
CLEAR_SEARCH_JS = f"""(() => {{
  const box = document.getElementById('{SEARCH_ID}');
  if (!box) return;
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(box, '');
  box.dispatchEvent(new Event('input', {{bubbles: true}}));
}})()"""
FIELDSET_STYLE: dict = {"border": "none", "padding": "0", "margin": "0", "min_width": "0"}


# ----- small pieces shared with the profile page ---------------------------------------------------------------


def musician_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("active", rx.badge(T["musicians.status.active"], color_scheme="green")),
        ("inactive", rx.badge(T["musicians.status.inactive"], color_scheme="red")),
        ("archived", rx.badge(T["musicians.status.archived"], color_scheme="gray", variant="outline")),
        rx.badge(status),
    )


def local_badge(is_local: rx.Var[bool]) -> rx.Component:
    return rx.cond(is_local, rx.badge(rx.icon("house", size=12), T["musicians.local_badge"], color_scheme="blue",
                                      variant="soft"))


def _labelled(label_key: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.box(
        rx.el.label(T[label_key], html_for=control_id, style=styles.LABEL_STYLE),
        control,
        min_width="0",
        width="100%",
    )


# ----- the roster ---------------------------------------------------------------------------------------------


def _stat(label_key: str, value: rx.Var[int], test_id: str) -> rx.Component:
    return rx.card(
        rx.text(T[label_key], size="2", color_scheme="gray", as_="p"),
        rx.text(value, size="6", weight="bold", as_="p", data_testid=test_id),
        size="1",
    )


def roster_counts() -> rx.Component:
    return rx.grid(
        _stat("musicians.count_total", S.counts.total, "count-total"),
        _stat("musicians.count_active", S.counts.active, "count-active"),
        _stat("musicians.count_inactive", S.counts.inactive, "count-inactive"),
        _stat("musicians.count_archived", S.counts.archived, "count-archived"),
        _stat("musicians.count_local", S.counts.local, "count-local"),
        columns=rx.breakpoints(initial="2", sm="3", md="5"),
        spacing="3",
        width="100%",
        role="group",
        aria_label=T["musicians.counts"],
    )


def _select(select_id: str, label_key: str, value: rx.Var, on_change, *items: rx.Component) -> rx.Component:
    return _labelled(
        label_key, select_id,
        rx.select.root(
            rx.select.trigger(id=select_id, width="100%"),
            rx.select.content(*items),
            value=value,
            on_change=on_change,
        ),
    )


def _instrument_item(instrument: rx.Var[InstrumentChoice]) -> rx.Component:
    return rx.select.item(instrument.name, value=instrument.instrumentId)


def _position_group(instrument: rx.Var[InstrumentChoice]) -> rx.Component:
    return rx.select.group(
        rx.select.label(instrument.name),
        rx.foreach(
            instrument.positions,
            lambda position: rx.select.item(instrument.name + " – " + position.name, value=position.positionId),
        ),
    )


def roster_filters() -> rx.Component:
    return rx.vstack(
        _labelled(
            "musicians.search", SEARCH_ID,
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                id=SEARCH_ID,
                type="search",
                default_value=S.query,
                placeholder=T["musicians.search_placeholder"],
                on_change=[S.set_query.throttle(SEARCH_THROTTLE_MS), S.set_query.debounce(SEARCH_DEBOUNCE_MS)],
                auto_complete="off",
                size="3",
                width="100%",
                aria_controls="musician-table",
            ),
        ),
        rx.grid(
            _select("filter-instrument", "musicians.filter_instrument", S.instrument_filter, S.set_instrument_filter,
                    rx.select.item(T["musicians.all_instruments"], value=ALL),
                    rx.foreach(S.instruments, _instrument_item)),
            _select("filter-position", "musicians.filter_position", S.position_filter, S.set_position_filter,
                    rx.select.item(T["musicians.all_positions"], value=ALL),
                    rx.foreach(S.position_groups, _position_group)),
            _select("filter-status", "musicians.filter_status", S.status_filter, S.set_status_filter,
                    rx.select.item(T["musicians.status_current"], value="current"),
                    rx.select.item(T["musicians.status_active"], value="active"),
                    rx.select.item(T["musicians.status_inactive"], value="inactive"),
                    rx.select.item(T["musicians.status_archived"], value="archived"),
                    rx.select.item(T["musicians.status_all"], value=ALL)),
            _select("filter-local", "musicians.filter_local", S.local_filter, S.set_local_filter,
                    rx.select.item(T["musicians.local_all"], value=ALL),
                    rx.select.item(T["musicians.local_only"], value="local"),
                    rx.select.item(T["musicians.local_not"], value="not_local")),
            _select("sort", "musicians.sort", S.sort, S.set_sort,
                    rx.select.item(T["musicians.sort_name"], value="name"),
                    rx.select.item(T["musicians.sort_newest"], value="newest")),
            columns=rx.breakpoints(initial="1", sm="2", lg="5"),
            spacing="3",
            width="100%",
        ),
        spacing="3",
        width="100%",
        role="search",
        aria_label=T["musicians.search_area"],
    )


def _clear_button(**props) -> rx.Component:
    return rx.button(
        rx.icon("x", size=14),
        T["musicians.clear_filters"],
        variant="soft",
        color_scheme="gray",
        size="1",
        on_click=[rx.call_script(CLEAR_SEARCH_JS), S.clear_filters],
        **props,
    )


def result_summary() -> rx.Component:
    """"Visar 1–50 av 123": announced to screen readers when the list changes."""
    return rx.hstack(
        rx.text(
            rx.cond(
                S.total > 0,
                rx.fragment(T["musicians.showing"], " ", S.first_shown, "–", S.last_shown, " ", T["musicians.of"],
                            " ", S.total),
                T["musicians.none_shown"],
            ),
            size="2",
            color_scheme="gray",
            id="musician-summary",
            aria_live="polite",
        ),
        rx.cond(S.filtered, _clear_button(id="clear-filters")),
        align="center",
        spacing="3",
        wrap="wrap",
    )


def _musician_row(row: rx.Var[MusicianRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row.name, href=row.href, weight="medium", data_testid="musician-link"),
            rx.text(row.musicianId, size="1", color_scheme="gray", as_="p"),
        ),
        rx.table.cell(rx.text(row.email, size="2", overflow_wrap="anywhere")),
        rx.table.cell(rx.text(row.phone, size="2", white_space="nowrap")),
        rx.table.cell(rx.text(row.qualifications, size="2")),
        rx.table.cell(rx.hstack(musician_status_badge(row.status), local_badge(row.localResidence), spacing="1",
                                wrap="wrap")),
        data_testid="musician-row",
    )


def roster_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell(T["musicians.name"]),
                    rx.table.column_header_cell(T["musicians.email"]),
                    rx.table.column_header_cell(T["musicians.phone"]),
                    rx.table.column_header_cell(T["musicians.qualifications"]),
                    rx.table.column_header_cell(T["musicians.status"]),
                ),
            ),
            rx.table.body(rx.foreach(S.rows, _musician_row)),
            variant="surface",
            width="100%",
            id="musician-table",
        ),
        overflow_x="auto",
        width="100%",
    )


def pager() -> rx.Component:
    return rx.cond(
        S.page_count > 1,
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=16), T["musicians.previous"], variant="soft", id="page-previous",
                      disabled=~S.has_previous, on_click=S.previous_page),
            rx.text(T["musicians.page"], " ", S.page_index + 1, " ", T["musicians.of"], " ", S.page_count, size="2"),
            rx.button(T["musicians.next"], rx.icon("chevron-right", size=16), variant="soft", id="page-next",
                      disabled=~S.has_next, on_click=S.next_page),
            role="navigation",
            aria_label=T["musicians.pages"],
            align="center",
            justify="center",
            spacing="3",
            width="100%",
        ),
    )


def empty_state() -> rx.Component:
    return rx.cond(
        S.loaded & (S.total == 0) & (S.error_key == ""),
        rx.callout.root(
            rx.callout.icon(rx.icon("users", size=18)),
            rx.callout.text(rx.cond(S.filtered, T["musicians.no_match"], T["musicians.empty"])),
            color_scheme="gray",
            data_testid="musicians-empty",
        ),
    )


def roster_actions() -> rx.Component:
    return rx.hstack(
        rx.link(rx.button(rx.icon("upload", size=16), T["musicians.import"], variant="soft", tab_index=-1),
                href=routes.MUSICIANS_IMPORT, id="musicians-import"),
        plain_link(rx.button(rx.icon("download", size=16), T["musicians.export_csv"], variant="soft", tab_index=-1),
                   href=routes.MUSICIANS_EXPORT_CSV, id="musicians-export-csv", download=""),
        plain_link(rx.button(rx.icon("download", size=16), T["musicians.export_xlsx"], variant="soft", tab_index=-1),
                   href=routes.MUSICIANS_EXPORT_XLSX, id="musicians-export-xlsx", download=""),
        rx.button(rx.icon("user-plus", size=16), T["musicians.new"], id="new-musician", on_click=F.open_create),
        spacing="2",
        wrap="wrap",
    )


def musicians_content() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(T["musicians.title"], as_="h1", size="7"),
            rx.spacer(),
            roster_actions(),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        rx.text(T["musicians.intro"], color_scheme="gray", size="2"),
        roster_counts(),
        roster_filters(),
        result_summary(),
        error_message(S.error_key),
        empty_state(),
        rx.cond(S.rows.length() > 0, roster_table()),
        pager(),
        musician_dialog(),
        spacing="4",
        width="100%",
    )


def musicians_page() -> rx.Component:
    return staff_page(musicians_content(), active_route=routes.MUSICIANS)


# ----- the create / edit dialog --------------------------------------------------------------------------------


def _required_mark() -> rx.Component:
    """The visible asterisk; screen readers hear "required" from the input itself."""
    return rx.text(" *", as_="span", color_scheme="red", aria_hidden="true")


def _field_error(field: str) -> rx.Component:
    return rx.cond(
        F.field_errors.contains(field),
        rx.text(T[F.field_errors[field]], " ", F.field_details[field], id=f"musician-{field}-error", role="alert",
                style=styles.ERROR_TEXT_STYLE, as_="p"),
    )


def _text_input(field: str, label_key: str, value: rx.Var[str], *, input_type: str = "text",
                autocomplete: str = "off", required: bool = False) -> rx.Component:
    field_id = f"musician-{field}"
    return rx.box(
        rx.el.label(T[label_key], *([_required_mark()] if required else []), html_for=field_id,
                    style=styles.LABEL_STYLE),
        rx.input(
            id=field_id,
            name=field,
            type=input_type,
            default_value=value,
            auto_complete=autocomplete,
            required=required,
            aria_invalid=rx.cond(F.field_errors.contains(field), "true", "false"),
            aria_describedby=f"{field_id}-error",
            width="100%",
        ),
        _field_error(field),
        width="100%",
        min_width="0",
    )


def _qualification_checkbox(instrument: rx.Var[InstrumentChoice], position: rx.Var[PositionChoice]) -> rx.Component:
    return rx.checkbox(
        position.name,
        name=QUALIFICATION_PREFIX + position.positionId,
        default_checked=F.values.qualifications.contains(position.positionId),
        size="2",
    )


def _qualification_group(instrument: rx.Var[InstrumentChoice]) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(
            instrument.name,
            rx.cond(instrument.isArchived, rx.text(" (", T["musicians.archived_instrument"], ")", as_="span")),
            style={**styles.LABEL_STYLE, "padding": "0"},
        ),
        rx.vstack(rx.foreach(instrument.positions, lambda p: _qualification_checkbox(instrument, p)), spacing="1"),
        style=FIELDSET_STYLE,
        data_testid="qualification-group",
    )


def _qualifications() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(T["musicians.qualifications"], style={**styles.LABEL_STYLE, "font_size": "1rem", "padding": "0"}),
        rx.text(T["musicians.qualifications_help"], size="1", color_scheme="gray", as_="p", margin_bottom="0.5rem"),
        rx.grid(
            rx.foreach(F.groups, _qualification_group),
            columns=rx.breakpoints(initial="1", sm="2", md="4"),
            spacing="3",
            width="100%",
        ),
        _field_error("qualifications"),
        aria_describedby="musician-qualifications-error",
        style=FIELDSET_STYLE,
    )


def _language() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(T["musicians.language"], style={**styles.LABEL_STYLE, "padding": "0"}),
        rx.radio_group.root(
            rx.hstack(
                rx.radio_group.item(T["musicians.language_sv"], value="sv"),
                rx.radio_group.item(T["musicians.language_en"], value="en"),
                spacing="4",
            ),
            name="preferredLanguage",
            default_value=F.values.preferredLanguage,
        ),
        _field_error("preferredLanguage"),
        style=FIELDSET_STYLE,
    )


def musician_form() -> rx.Component:
    editing = F.editing_id != ""
    return rx.form(
        rx.vstack(
            rx.grid(
                _text_input("firstName", "musicians.first_name", F.values.firstName, autocomplete="off",
                            required=True),
                _text_input("lastName", "musicians.last_name", F.values.lastName, required=True),
                _text_input("email", "musicians.email", F.values.email, input_type="email", required=True),
                _text_input("phone", "musicians.phone", F.values.phone, input_type="tel"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            _language(),
            rx.vstack(
                rx.checkbox(T["musicians.local_residence"], name="localResidence",
                            default_checked=F.values.localResidence, id="musician-localResidence"),
                rx.cond(
                    editing,
                    rx.checkbox(T["musicians.active"], name="isActive", default_checked=F.values.isActive,
                                disabled=F.values.isArchived, id="musician-isActive"),
                ),
                _field_error("localResidence"),
                _field_error("isActive"),
                spacing="2",
            ),
            rx.box(
                rx.el.label(T["musicians.notes"], html_for="musician-notes", style=styles.LABEL_STYLE),
                rx.text_area(id="musician-notes", name="notes", default_value=F.values.notes, rows="3",
                             width="100%", aria_describedby="musician-notes-error"),
                rx.text(T["musicians.notes_help"], size="1", color_scheme="gray", as_="p"),
                _field_error("notes"),
                width="100%",
            ),
            _qualifications(),
            error_message(F.error_key, id="musician-form-error"),
            rx.hstack(
                rx.dialog.close(rx.button(T["common.cancel"], type="button", variant="soft", color_scheme="gray",
                                          disabled=F.saving)),
                rx.button(rx.cond(editing, T["common.save"], T["musicians.create"]), type="submit",
                          id="musician-save", loading=F.saving),
                spacing="3",
                justify="end",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=F.submit,
        no_validate=True,  # the service checks; its messages are in the user's language
        key=F.form_key,
        id="musician-form",
        width="100%",
    )


def musician_dialog() -> rx.Component:
    """Create (from the roster) or edit (from the profile) a musician."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(F.editing_id != "", T["musicians.edit_title"], T["musicians.new_title"])),
            rx.dialog.description(T["musicians.form_intro"], size="2", color_scheme="gray", margin_bottom="1rem"),
            musician_form(),
            max_width="52rem",
            max_height="90vh",
            overflow_y="auto",
        ),
        open=F.dialog_open,
        on_open_change=F.set_dialog_open,
    )
