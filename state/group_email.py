"""GroupEmailState: the group e-mail page (choose a project and recipients, write, send, follow the progress).

The recipient list shown is read from ``services.group_email.recipients`` whenever the project or a filter
changes; sending passes only the project and the filters, and the service computes the recipients again
itself. After sending, ``send`` (a background task) polls ``group_email_progress`` every second until every
e-mail has been delivered or failed (or ``MAX_POLL_SECONDS`` have passed), then re-reads the history.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

import reflex as rx

from services import group_email, tenancy
from services.errors import ServiceError, ValidationError
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.communication import GroupEmailRow, to_group_rows
from state.session import SessionState

log = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 1.0
MAX_POLL_SECONDS = 15 * 60
CONFIRM_ABOVE = 5  # more recipients than this: the send asks for confirmation


@dataclasses.dataclass
class ProjectOption:
    projectId: str = ""
    label: str = ""


@dataclasses.dataclass
class FilterOption:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class RecipientRow:
    musicianId: str = ""
    name: str = ""
    email: str = ""
    accepted: str = ""


@dataclasses.dataclass
class FileOption:
    storageId: str = ""
    name: str = ""
    size: str = ""


def error_key_for(exc: ServiceError) -> str:
    key = f"group_email.error.{exc.code}"
    return key if key in sv.MESSAGES else "error.unknown"


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} kB"


def filter_options(rows: list[dict]) -> tuple[list[FilterOption], list[FilterOption]]:
    """The instruments and positions present among a project's accepted musicians, in the list's order."""
    instruments: dict[str, str] = {}
    positions: dict[str, str] = {}
    for row in rows:
        instruments.setdefault(row["instrumentId"], row["instrument"])
        positions.setdefault(row["positionId"], f"{row['instrument']} – {row['position']}")
    return ([FilterOption(value=k, label=v) for k, v in instruments.items()],
            [FilterOption(value=k, label=v) for k, v in positions.items()])


class GroupEmailState(SessionState):
    projects: list[ProjectOption] = []
    project_id: str = ""
    mode: str = "all"  # "all" or "chosen"
    instrument_options: list[FilterOption] = []
    position_options: list[FilterOption] = []
    chosen_instruments: list[str] = []
    chosen_positions: list[str] = []
    recipients: list[RecipientRow] = []
    files: list[FileOption] = []
    chosen_files: list[str] = []
    subject: str = ""
    message: str = ""
    field_errors: dict[str, str] = {}
    error_key: str = ""
    loaded: bool = False

    sending: bool = False
    progress_total: int = 0
    progress_sent: int = 0
    progress_failed: int = 0
    progress_pending: int = 0
    progress_done: bool = False
    progress_gave_up: bool = False
    sms_count: int = 0
    sms_skipped: list[str] = []
    _log_id: int = 0

    history: list[GroupEmailRow] = []  # the same rows as the communication page's group e-mail tab

    @rx.var
    def message_length(self) -> int:
        return len(self.message)

    @rx.var
    def recipient_count(self) -> int:
        return len(self.recipients)

    @rx.var
    def needs_confirmation(self) -> bool:
        return len(self.recipients) > CONFIRM_ABOVE

    @rx.var
    def progress_handled(self) -> int:
        return self.progress_sent + self.progress_failed

    async def _ref(self):
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return None, redirect
        ref = await asyncio.to_thread(tenancy.get_orchestra_by_id, user.orchestra_pk, require_active=False)
        return (user, ref), None

    def _filters(self) -> tuple[list[str] | None, list[str] | None]:
        if self.mode != "chosen":
            return None, None
        return list(self.chosen_instruments), list(self.chosen_positions)

    async def _read_recipients(self, ref) -> None:
        instruments, positions = self._filters()
        try:
            rows = await asyncio.to_thread(group_email.recipients, ref, self.project_id, instruments, positions)
        except ServiceError as exc:
            self.error_key = error_key_for(exc)
            self.recipients = []
            return
        self.recipients = [RecipientRow(musicianId=r["musicianId"], name=r["name"], email=r["email"],
                                        accepted=r["accepted"]) for r in rows]

    async def _read_history(self, ref) -> None:
        rows = await asyncio.to_thread(group_email.group_email_history, ref)
        self.history = to_group_rows(rows)

    @rx.event
    async def load_group_email(self):
        found, redirect = await self._ref()
        if found is None:
            return redirect
        _, ref = found
        try:
            projects = await asyncio.to_thread(group_email.group_email_projects, ref)
            await self._read_history(ref)
        except ServiceError as exc:
            log.warning("group e-mail page of %s could not be loaded: %s", ref.subdomain, exc.code)
            self.error_key = "error.load_failed"
            return None
        self.projects = [ProjectOption(projectId=p["projectId"], label=p["label"]) for p in projects]
        self.error_key = ""
        self.loaded = True
        if self.project_id and self.project_id in {p.projectId for p in self.projects}:
            await self._read_recipients(ref)
        elif self.project_id:
            self.project_id, self.recipients = "", []
        return None

    @rx.event
    async def choose_project(self, project_id: str):
        found, redirect = await self._ref()
        if found is None:
            return redirect
        _, ref = found
        self.error_key, self.field_errors = "", {}
        self.mode, self.chosen_instruments, self.chosen_positions, self.chosen_files = "all", [], [], []
        self.progress_done = self.progress_gave_up = False
        projects = await asyncio.to_thread(group_email.group_email_projects, ref)
        project = next((p for p in projects if p["projectId"] == project_id), None)
        if project is None:
            self.project_id, self.recipients, self.files = "", [], []
            self.error_key = "group_email.error.project_not_found"
            return None
        self.project_id = project_id
        self.subject = translate("group_email.subject_prefix", self.lang).format(
            name=project["name"], week=project["weekNumber"])
        try:
            everyone = await asyncio.to_thread(group_email.recipients, ref, project_id, None, None)
            stored = await asyncio.to_thread(group_email.attachable_files, ref, project_id)
        except ServiceError as exc:
            self.error_key = error_key_for(exc)
            return None
        self.instrument_options, self.position_options = filter_options(everyone)
        self.recipients = [RecipientRow(musicianId=r["musicianId"], name=r["name"], email=r["email"],
                                        accepted=r["accepted"]) for r in everyone]
        self.files = [FileOption(storageId=f["storageId"], name=f["name"], size=size_label(f["size"]))
                      for f in stored]
        return None

    @rx.event
    async def set_mode(self, mode: str):
        if mode not in ("all", "chosen") or not self.project_id:
            return None
        found, redirect = await self._ref()
        if found is None:
            return redirect
        self.mode = mode
        await self._read_recipients(found[1])
        return None

    async def _toggle(self, chosen: list[str], allowed: list[FilterOption], value: str, checked: bool):
        if value not in {option.value for option in allowed}:
            return None
        found, redirect = await self._ref()
        if found is None:
            return redirect
        if checked and value not in chosen:
            chosen.append(value)
        elif not checked and value in chosen:
            chosen.remove(value)
        await self._read_recipients(found[1])
        return None

    @rx.event
    async def toggle_instrument(self, instrument_id: str, checked: bool):
        return await self._toggle(self.chosen_instruments, self.instrument_options, instrument_id, bool(checked))

    @rx.event
    async def toggle_position(self, position_id: str, checked: bool):
        return await self._toggle(self.chosen_positions, self.position_options, position_id, bool(checked))

    @rx.event
    def toggle_file(self, storage_id: str, checked: bool):
        if storage_id not in {f.storageId for f in self.files}:
            return
        if checked and storage_id not in self.chosen_files:
            self.chosen_files.append(storage_id)
        elif not checked and storage_id in self.chosen_files:
            self.chosen_files.remove(storage_id)

    @rx.event
    def set_subject(self, value: str):
        self.subject = str(value)
        self.field_errors.pop("subject", None)

    @rx.event
    def set_message(self, value: str):
        self.message = str(value)
        self.field_errors.pop("message", None)

    @rx.event(background=True)
    async def send(self):
        """Queue the e-mail (recipients computed by the service), then follow its delivery every second."""
        async with self:
            if self.sending:
                return None
            found, redirect = await self._ref()
            if found is None:
                return redirect
            user, ref = found
            if not self.project_id:
                self.error_key = "group_email.error.choose_project"
                return None
            self.sending, self.error_key, self.field_errors = True, "", {}
            self.progress_done = self.progress_gave_up = False
            self.sms_count, self.sms_skipped = 0, []
            project_id, subject, message = self.project_id, self.subject, self.message
            instruments, positions = self._filters()
            attachments = list(self.chosen_files)
        try:
            result = await asyncio.to_thread(
                group_email.send_group_email, ref, project_id, subject=subject, message=message,
                instrument_ids=instruments, position_ids=positions, attachment_ids=attachments,
                actor=user.username)
        except ServiceError as exc:
            async with self:
                self.sending = False
                self.error_key = error_key_for(exc)
                if isinstance(exc, ValidationError):
                    self.field_errors = {f: f"group_email.invalid.{f}" for f in exc.fields
                                         if f"group_email.invalid.{f}" in sv.MESSAGES}
            return None
        except Exception:  # the transaction rolled back; never leave the button spinning
            log.exception("group e-mail for %s failed", project_id)
            async with self:
                self.sending = False
                self.error_key = "error.unknown"
            return None
        async with self:
            self._log_id = result["logId"]
            self.progress_total, self.progress_sent, self.progress_failed = result["emails"], 0, 0
            self.progress_pending = result["emails"]
            self.sms_count = result["sms"]
            self.sms_skipped = [item["name"] for item in result["smsSkipped"]]
            self.message = ""
            self.chosen_files = []
        await self._follow(ref, result["logId"])
        return None

    async def _follow(self, ref, log_id: int) -> None:
        """Poll the progress until nothing is pending; the event loop is never blocked (asyncio.sleep)."""
        started = time.monotonic()
        while True:
            try:
                progress = await asyncio.to_thread(group_email.group_email_progress, ref, log_id)
            except ServiceError as exc:
                log.info("progress of group e-mail %s unavailable: %s", log_id, exc.code)
                progress = None
            gave_up = time.monotonic() - started > MAX_POLL_SECONDS
            async with self:
                if self._log_id != log_id:  # a newer send took over
                    return
                if progress is not None:
                    self.progress_total = progress["total"]
                    self.progress_sent, self.progress_failed = progress["sent"], progress["failed"]
                    self.progress_pending = progress["pending"]
                finished = progress is not None and progress["pending"] == 0
                if finished or gave_up:
                    self.sending = False
                    self.progress_done = finished
                    self.progress_gave_up = not finished
                    break
            await asyncio.sleep(POLL_INTERVAL_SECONDS)
        try:
            rows = await asyncio.to_thread(group_email.group_email_history, ref)
        except ServiceError:
            return
        async with self:
            self.history = to_group_rows(rows)
