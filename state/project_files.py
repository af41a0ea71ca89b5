"""ProjectFilesState: the files section of the project page (list, upload, delete).

Same pattern as the other page states: it inherits ``SessionState``, every handler re-checks the session
(``await self._require(...)``) and the services run in a worker thread. The upload handler reads each
``rx.UploadFile`` into memory (at most one byte over the limit) and hands the bytes to
``services.file_service.upload_file``; nothing is ever written to Reflex's public upload folder.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from services import files as file_service
from services import tenancy
from services.errors import NotFound, ServiceError
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.session import SessionState

log = logging.getLogger(__name__)

GENERAL = "general"
"""The need choice meaning "the whole project" (Radix select items cannot have an empty value)."""
UPLOAD_ID = "project-files-upload"


@dataclasses.dataclass
class FileRow:
    projectFileId: str = ""
    fileName: str = ""
    projectNeedId: str = ""
    needLabel: str = ""
    sendTiming: str = ""
    size: str = ""
    mimeType: str = ""
    downloadUrl: str = ""
    missing: bool = False


@dataclasses.dataclass
class NeedChoice:
    projectNeedId: str = ""
    label: str = ""


def size_text(size: int, lang: str) -> str:
    """``532 B``, ``12 kB``, ``1,4 MB`` (a decimal comma in Swedish)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} kB"
    text = f"{size / (1024 * 1024):.1f}"
    return f"{text.replace('.', ',') if lang == 'sv' else text} MB"


def to_rows(items: list[dict], lang: str) -> list[FileRow]:
    return [
        FileRow(projectFileId=item["projectFileId"], fileName=item["fileName"],
                projectNeedId=item["projectNeedId"] or "", needLabel=item["needLabel"] or "",
                sendTiming=item["sendTiming"], size=size_text(item["size"], lang) if not item["missing"] else "",
                mimeType=item["mimeType"], downloadUrl=item["downloadUrl"] or "", missing=item["missing"])
        for item in items
    ]


def error_text(exc: ServiceError, lang: str) -> str:
    """The UI's translation of a service error, else the service's own (bilingual) message."""
    key = f"error.{exc.code}"
    return translate(key, lang) if key in sv.MESSAGES else exc.message


def read_files(orchestra_pk: str, project_id: str) -> tuple[list[dict], list[dict]]:
    """The project's files and the needs a file can belong to (runs in a worker thread)."""
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    return file_service.list_files(ref, project_id), file_service.need_choices(ref, project_id)


def store_upload(orchestra_pk: str, project_id: str, name: str, content: bytes, need: str, timing: str,
                 actor: str) -> dict:
    ref = tenancy.get_orchestra_by_id(orchestra_pk)
    return file_service.upload_file(ref, project_id, original_name=name, content=content,
                             project_need_id=None if need == GENERAL else need, send_timing=timing, actor=actor)


def remove_file(orchestra_pk: str, project_file_id: str, actor: str) -> dict:
    return file_service.delete_file(tenancy.get_orchestra_by_id(orchestra_pk), project_file_id, actor)


class ProjectFilesState(SessionState):
    files: list[FileRow] = []
    need_choices: list[NeedChoice] = []
    files_loaded: bool = False
    files_error_key: str = ""

    upload_need: str = GENERAL
    upload_timing: str = file_service.DEFAULTS_GENERAL[1]
    uploading: bool = False
    upload_errors: list[str] = []
    uploaded_count: int = 0

    delete_busy: str = ""
    delete_error: str = ""

    _project_id: str = ""
    _timing_chosen: bool = False

    def _reset_files(self, project_id: str) -> None:
        self._project_id = project_id
        self.files, self.need_choices = [], []
        self.files_loaded, self.files_error_key = False, ""
        self.upload_need, self.upload_timing, self._timing_chosen = GENERAL, file_service.DEFAULTS_GENERAL[1], False
        self.upload_errors, self.uploaded_count = [], 0
        self.delete_busy, self.delete_error = "", ""

    async def _reload(self, orchestra_pk: str) -> None:
        try:
            items, needs = await asyncio.to_thread(read_files, orchestra_pk, self._project_id)
        except NotFound:  # the project page itself says so
            self.files, self.need_choices, self.files_loaded = [], [], True
            return
        except ServiceError as exc:
            log.warning("files of %s could not be loaded: %s", self._project_id, exc.code)
            self.files_error_key = "error.load_failed"
            return
        self.files = to_rows(items, self.lang)
        self.need_choices = [NeedChoice(**need) for need in needs]
        if self.upload_need != GENERAL and self.upload_need not in {n.projectNeedId for n in self.need_choices}:
            self.upload_need = GENERAL
        self.files_error_key = ""
        self.files_loaded = True

    @rx.event
    async def load_files(self):
        """on_load of the project page: the files of the project named in the URL."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        project_id = routes.project_id_from_path(self.router.url.path)
        if project_id != self._project_id or not self.files_loaded:
            self._reset_files(project_id)
        if not project_id:
            return None
        await self._reload(user.orchestra_pk)
        return None

    @rx.event
    def set_upload_need(self, value: str):
        """Pick the need (or the whole project); the timing follows the documented default until chosen."""
        if value != GENERAL and value not in {n.projectNeedId for n in self.need_choices}:
            return
        self.upload_need = value
        if not self._timing_chosen:
            self.upload_timing = file_service.DEFAULTS_GENERAL[1] if value == GENERAL else file_service.DEFAULTS_NEED[1]

    @rx.event
    def set_upload_timing(self, value: str):
        if value in file_service.SEND_TIMINGS:
            self.upload_timing = value
            self._timing_chosen = True

    @rx.event
    async def upload(self, uploads: list[rx.UploadFile]):
        """Store the chosen files for the chosen need and timing; each refused file gets its own message."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            yield redirect
            return
        self.upload_errors, self.uploaded_count = [], 0
        if not uploads:
            self.upload_errors = [translate("files.no_file_chosen", self.lang)]
            return
        if not self._project_id or self.uploading:
            return
        self.uploading = True
        yield  # show the progress indicator while the files are stored
        errors: list[str] = []
        stored = 0
        for item in uploads:
            name = item.name or ""
            try:
                if item.size is not None and item.size > file_service.MAX_FILE_BYTES:
                    errors.append(f"{name}: {translate('error.file_too_large', self.lang)}")
                    continue
                content = await item.read(file_service.MAX_FILE_BYTES + 1)  # one byte over is enough to refuse
                await asyncio.to_thread(store_upload, user.orchestra_pk, self._project_id, name, content,
                                        self.upload_need, self.upload_timing, user.username)
                stored += 1
            except ServiceError as exc:
                errors.append(f"{name}: {error_text(exc, self.lang)}")
            except Exception:  # never leave the control spinning; the details are in the log
                log.exception("upload of a file to %s failed", self._project_id)
                errors.append(f"{name}: {translate('error.unknown', self.lang)}")
        self.upload_errors, self.uploaded_count = errors, stored
        await self._reload(user.orchestra_pk)
        self.uploading = False
        yield rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    async def delete_file(self, project_file_id: str):
        """Confirmed in the dialog: remove one file of this project."""
        user, redirect = await self._require(routes.STAFF_ROLES)
        if user is None:
            return redirect
        if self.delete_busy or project_file_id not in {row.projectFileId for row in self.files}:
            return None
        self.delete_busy, self.delete_error = project_file_id, ""
        try:
            await asyncio.to_thread(remove_file, user.orchestra_pk, project_file_id, user.username)
        except ServiceError as exc:
            self.delete_error = error_text(exc, self.lang)
        except Exception:
            log.exception("file %s could not be deleted", project_file_id)
            self.delete_error = translate("error.unknown", self.lang)
        await self._reload(user.orchestra_pk)
        self.delete_busy = ""
        return None
