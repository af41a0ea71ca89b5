"""Project files: upload, list, link to needs, delete, e-mail attachments and authorised downloads.

ORIGINAL_BEHAVIOUR.md §4 with the defects of its §10 fixed:

* The bytes live in the orchestra's own database (``FileStorage.content``), never in a public folder; the
  ``ProjectFile`` row points to ``/files/<FileStorage.id>``. Several ``ProjectFile`` rows may share one blob
  (a file reused for another need); the blob is deleted only with the last row that points to it.
* The type is decided by the content (magic bytes), not by the name or by what the browser claims, and the
  file name's extension must agree with it. At most ``MAX_FILE_BYTES`` (10 MB); empty files are refused.
* Which files go with which e-mail (``attachment_ids``): for need N of project P and a timing, every file
  of P with that ``sendTiming`` whose need is N or none (general project files go with every need).
  Attachments are read from the orchestra's own database at delivery time (``load_attachments``), so a
  confirmation triggered by a musician or by the scheduler carries its files too.
* Downloads (``open_download``) only for the orchestra's staff, or with a response token whose request is
  in the file's project and is pending (token still valid) or accepted. Anything else is ``NotFound``.

Plain Python (no Reflex); every write runs in one ``tenancy.write_transaction``.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import sqlalchemy as sa
from sqlmodel import Session, select

from models.orchestra import (
    AuditLog,
    FileStorage,
    Instrument,
    Position,
    Project,
    ProjectFile,
    ProjectNeed,
    Request,
    RequestToken,
)
from services import clock, tenancy, tokens
from services.errors import Conflict, NotFound, ValidationError
from services.ids import next_id

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
"""The largest file accepted (10 MB, as the earlier system)."""
SEND_TIMINGS = ("on_request", "on_accept")
FILE_TYPES = ("general_info", "sheet_music")
DEFAULTS_GENERAL = ("general_info", "on_request")
"""(fileType, sendTiming) of a file for the whole project."""
DEFAULTS_NEED = ("sheet_music", "on_accept")
"""(fileType, sendTiming) of a file for one need."""
DOWNLOAD_PREFIX = "/files/"
LEGACY_PREFIX = "/api/files/"  # fileUrl of the earlier system's database-stored files
NAME_MAX = 200
_STORAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_TOKEN = 300

# ----- content types ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of file we accept: what its content looks like, its MIME type and the extensions it may carry."""

    key: str
    label: str
    mime: str
    extensions: tuple[str, ...]


KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("pdf", "PDF", "application/pdf", (".pdf",)),
    Kind("png", "PNG", "image/png", (".png",)),
    Kind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg")),
    Kind("gif", "GIF", "image/gif", (".gif",)),
    Kind("docx", "Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         (".docx",)),
    Kind("xlsx", "Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    Kind("pptx", "PowerPoint (PPTX)", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
         (".pptx",)),
    Kind("doc", "Word (DOC)", "application/msword", (".doc",)),
    Kind("xls", "Excel (XLS)", "application/vnd.ms-excel", (".xls",)),
    Kind("text", "text", "text/plain; charset=utf-8", (".txt",)),
    Kind("musicxml", "MusicXML", "application/vnd.recordare.musicxml+xml", (".xml", ".musicxml")),
    Kind("mxl", "MusicXML (MXL)", "application/vnd.recordare.musicxml", (".mxl",)),
)}
ALLOWED_EXTENSIONS = tuple(sorted({ext for kind in KINDS.values() for ext in kind.extensions}))

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_OOXML_PARTS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
_XML_NAME = re.compile(r"[A-Za-z_][\w.:-]*")
_XML_SCAN_LIMIT = 65536
_MUSICXML_ROOTS = ("score-partwise", "score-timewise")
_ZIP_MAX_ENTRIES = 10_000


def _sniff_zip(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if len(names) > _ZIP_MAX_ENTRIES:
        return None
    if "[Content_Types].xml" in names:
        found = [kind for prefix, kind in _OOXML_PARTS if any(n.startswith(prefix) for n in names)]
        if len(found) == 1:
            return found[0]
        return None
    if "META-INF/container.xml" in names:
        return "mxl"
    return None


def xml_root(text: str) -> str | None:
    """The name of the first element of an XML document, skipping the declaration, processing instructions,
    comments and the DOCTYPE (internal subset included); None when the text does not start like XML.

    A plain scan that looks at each character a bounded number of times (no backtracking regular
    expression, so a hostile upload cannot make it slow); only the first ``_XML_SCAN_LIMIT`` characters count.
    """
    text = text[:_XML_SCAN_LIMIT]
    i, end = 0, len(text)
    while i < end:
        if text[i].isspace():
            i += 1
            continue
        if text.startswith("<?", i):
            found = text.find("?>", i + 2)
            skip = 2
        elif text.startswith("<!--", i):
            found = text.find("-->", i + 4)
            skip = 3
        elif text.startswith("<!DOCTYPE", i):
            subset, found = text.find("[", i), text.find(">", i)
            if 0 <= subset < found:  # an internal subset: its end, then the closing ">"
                subset_end = text.find("]", subset)
                found = text.find(">", subset_end) if subset_end >= 0 else -1
            skip = 1
        elif text.startswith("<", i):
            match = _XML_NAME.match(text, i + 1)
            return match.group(0) if match else None
        else:
            return None
        if found < 0:
            return None
        i = found + skip
    return None


def _text_of(content: bytes) -> str | None:
    """The content as text when it is UTF-8 without NUL bytes (a BOM is allowed), else None."""
    if b"\x00" in content:
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def sniff(content: bytes, extension: str = "") -> Kind | None:
    """What the content is (one of ``KINDS``), or None for anything we do not accept.

    ``extension`` only decides between readings of the same bytes: UTF-8 text is MusicXML for ``.xml``/
    ``.musicxml`` names (when its root element is a score), plain text otherwise; OLE2 compound files (DOC
    and XLS share the container) are taken as the extension says.
    """
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return KINDS["gif"]
    if head.startswith(b"PK\x03\x04"):
        key = _sniff_zip(content)
        return KINDS[key] if key else None
    if head.startswith(_OLE2):
        return KINDS["xls"] if extension == ".xls" else KINDS["doc"]
    text = _text_of(content)
    if text is None:
        return None
    root = xml_root(text)
    if root is not None and root.split(":")[-1] in _MUSICXML_ROOTS:
        return KINDS["musicxml"]
    return KINDS["text"]


# ----- names -------------------------------------------------------------------------------------------------


def sanitize_name(name: str | None) -> str:
    """A display name safe to store, show and send: no directory parts, no control or bidi-override
    characters, normalised, at most ``NAME_MAX`` characters (the extension is kept)."""
    value = unicodedata.normalize("NFC", str(name or ""))
    value = value.replace("\\", "/").rsplit("/", 1)[-1]
    value = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    value = re.sub(r"\s+", " ", value).strip().strip(".").strip()
    if len(value) > NAME_MAX:
        stem, dot, ext = value.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            value = stem[: NAME_MAX - len(ext) - 1].rstrip() + "." + ext
        else:
            value = value[:NAME_MAX].rstrip()
    return value


def extension_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _generated_name(project: Project, need: ProjectNeed | None, extension: str) -> str:
    """``project-PROJ001-need-NEED002-<ms>-<random><ext>`` (``-general-`` for a file of the whole project)."""
    millis = int(clock.now().timestamp() * 1000)
    where = f"need-{need.projectNeedId}" if need is not None else "general"
    safe = re.sub(r"[^A-Za-z0-9_-]", "", f"project-{project.projectId}-{where}")
    return f"{safe}-{millis}-{secrets.token_hex(4)}{extension}"


# ----- validation -----------------------------------------------------------------------------------------------


def _invalid(code: str, sv: str, en: str) -> ValidationError:
    """A file problem in both UI languages (the UI shows its own translation of ``code``)."""
    message = f"{sv} / {en}"
    return ValidationError(code, message, {"file": message})


def check_file(original_name: str | None, content: bytes | None) -> tuple[str, Kind]:
    """The sanitised name and the sniffed kind of an upload; ``ValidationError`` when it is refused."""
    name = sanitize_name(original_name)
    if not name or not extension_of(name):
        raise _invalid("file_name_invalid", "Filen måste ha ett namn med filändelse.",
                       "The file needs a name with an extension.")
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise _invalid("file_empty", "Filen är tom.", "The file is empty.")
    content = bytes(content)
    if len(content) > MAX_FILE_BYTES:
        raise _invalid("file_too_large", "Filen är för stor. Max 10 MB.", "The file is too large. Max 10 MB.")
    if not content:
        raise _invalid("file_empty", "Filen är tom.", "The file is empty.")
    extension = extension_of(name)
    if extension not in ALLOWED_EXTENSIONS:
        raise _invalid(
            "file_type_not_allowed",
            f"Filtypen {extension} stöds inte. Tillåtna: PDF, PNG, JPEG, GIF, Word, Excel, PowerPoint, text "
            "och MusicXML.",
            f"Files of type {extension} are not accepted. Allowed: PDF, PNG, JPEG, GIF, Word, Excel, PowerPoint, "
            "text and MusicXML.")
    kind = sniff(content, extension)
    if kind is None:
        raise _invalid("file_content_unknown",
                       f"Innehållet i {name} är inte en fil av en tillåten typ (till exempel ett program).",
                       f"The content of {name} is not a file of an allowed type (it may be a program).")
    if extension not in kind.extensions:
        raise _invalid("file_content_mismatch",
                       f"Innehållet i {name} är {kind.label}, inte det som filändelsen {extension} anger.",
                       f"The content of {name} is {kind.label}, not what the extension {extension} says.")
    return name, kind


_CHOICE_CODES = {"sendTiming": "invalid_send_timing", "fileType": "invalid_file_type"}


def _choice(value: str | None, allowed: Sequence[str], default: str, field: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        raise ValidationError(_CHOICE_CODES[field], f"{field} must be one of {', '.join(allowed)}.",
                              {field: " or ".join(allowed)})
    return value


# ----- lookups ----------------------------------------------------------------------------------------------------


def storage_id_of(file_url: str | None) -> str | None:
    """The ``FileStorage.id`` a ``ProjectFile.fileUrl`` points to (ours or the earlier system's), else None."""
    for prefix in (DOWNLOAD_PREFIX, LEGACY_PREFIX):
        if file_url and file_url.startswith(prefix):
            candidate = file_url[len(prefix):].split("?")[0]
            if _STORAGE_ID.match(candidate):
                return candidate
    return None


def download_url(storage_id: str) -> str:
    return f"{DOWNLOAD_PREFIX}{storage_id}"


def _urls_of(storage_id: str) -> list[str]:
    return [download_url(storage_id), f"{LEGACY_PREFIX}{storage_id}"]


def _project(session: Session, project_id: str) -> Project:
    project = session.exec(select(Project).where(Project.projectId == project_id)).first()
    if project is None:
        raise NotFound("project_not_found", f"No project {project_id}.")
    return project


def _need_of_project(session: Session, project: Project, project_need_id: str) -> ProjectNeed:
    need = session.exec(select(ProjectNeed).where(ProjectNeed.projectNeedId == project_need_id)).first()
    if need is None or need.projectId != project.id:
        raise NotFound("need_not_found", f"No need {project_need_id} in the project {project.projectId}.")
    return need


def _project_file(session: Session, project_file_id: str) -> ProjectFile:
    row = session.exec(select(ProjectFile).where(ProjectFile.projectFileId == project_file_id)).first()
    if row is None:
        raise NotFound("file_not_found", f"No file {project_file_id}.")
    return row


def _need_labels(session: Session, need_pks: Iterable[int]) -> dict[int, tuple[str, str]]:
    """need pk -> (projectNeedId, "Instrument – Position")."""
    pks = {pk for pk in need_pks if pk is not None}
    if not pks:
        return {}
    rows = session.execute(
        sa.select(ProjectNeed.id, ProjectNeed.projectNeedId, Instrument.name, Position.name)
        .join(Position, Position.id == ProjectNeed.positionId)
        .join(Instrument, Instrument.id == Position.instrumentId)
        .where(ProjectNeed.id.in_(pks))
    ).all()
    return {pk: (public_id, f"{instrument} – {position}") for pk, public_id, instrument, position in rows}


def _file_dict(row: ProjectFile, labels: dict[int, tuple[str, str]], sizes: dict[str, int]) -> dict:
    storage_id = storage_id_of(row.fileUrl)
    need_id, need_label = labels.get(row.projectNeedId, (None, None)) if row.projectNeedId else (None, None)
    present = storage_id is not None and storage_id in sizes
    return {
        "projectFileId": row.projectFileId,
        "fileName": row.fileName,
        "originalFileName": row.originalFileName or row.fileName,
        "mimeType": row.mimeType or "",
        "fileType": row.fileType,
        "sendTiming": row.sendTiming,
        "projectNeedId": need_id,
        "needLabel": need_label,
        "storageId": storage_id,
        "size": sizes.get(storage_id, 0) if storage_id else 0,
        "downloadUrl": download_url(storage_id) if present else None,
        "missing": not present,
        "uploadedAt": row.uploadedAt,
    }


def _sizes(session: Session, storage_ids: Iterable[str | None]) -> dict[str, int]:
    ids = {i for i in storage_ids if i}
    if not ids:
        return {}
    return dict(session.execute(sa.select(FileStorage.id, FileStorage.size).where(FileStorage.id.in_(ids))).all())


def _rows_dicts(session: Session, rows: list[ProjectFile]) -> list[dict]:
    labels = _need_labels(session, (r.projectNeedId for r in rows))
    sizes = _sizes(session, (storage_id_of(r.fileUrl) for r in rows))
    return [_file_dict(r, labels, sizes) for r in rows]


def _audit(session: Session, actor: str | None, action: str, row: ProjectFile, values: dict) -> None:
    session.add(AuditLog(auditLogId=next_id(session, "auditLog"), userId=actor, action=action,
                         entityType="ProjectFile", entityId=row.id, newValues=values))


# ----- staff functions ------------------------------------------------------------------------------------------


def upload_file(ref: tenancy.OrchestraRef, project_id: str, *, original_name: str, content: bytes,
                project_need_id: str | None = None, send_timing: str | None = None, file_type: str | None = None,
                actor: str) -> dict:
    """Store an uploaded file for the project (``project_need_id`` None) or one of its needs.

    The type comes from the content and must agree with the name's extension (``check_file``). Defaults: a
    project file is ``general_info`` sent ``on_request``; a need's file ``sheet_music`` sent ``on_accept``.
    The blob and its ``ProjectFile`` row are written in one transaction. Returns the file as ``list_files``
    shows it.
    """
    name, kind = check_file(original_name, content)
    default_type, default_timing = DEFAULTS_NEED if project_need_id else DEFAULTS_GENERAL
    timing = _choice(send_timing, SEND_TIMINGS, default_timing, "sendTiming")
    kind_of_file = _choice(file_type, FILE_TYPES, default_type, "fileType")
    data = bytes(content)

    def work(session: Session) -> dict:
        project = _project(session, project_id)
        need = _need_of_project(session, project, project_need_id) if project_need_id else None
        blob = FileStorage(fileName=_generated_name(project, need, extension_of(name)), originalName=name,
                           mimeType=kind.mime, size=len(data), content=data, projectId=project.id,
                           needId=need.id if need is not None else None)
        session.add(blob)
        session.flush()
        row = ProjectFile(projectFileId=next_id(session, "projectFile"), projectId=project.id,
                          projectNeedId=need.id if need is not None else None, fileName=name,
                          originalFileName=name, mimeType=kind.mime, fileUrl=download_url(blob.id),
                          fileType=kind_of_file, sendTiming=timing, uploadedAt=clock.now())
        session.add(row)
        session.flush()
        _audit(session, actor, "file_uploaded", row, {"fileName": name, "size": len(data), "mimeType": kind.mime,
                                                      "sendTiming": timing, "storageId": blob.id})
        return _rows_dicts(session, [row])[0]

    return tenancy.write_transaction(ref, work)


def list_files(ref: tenancy.OrchestraRef, project_id: str) -> list[dict]:
    """The project's files: general ones first, then by need, each in upload order.

    Each: ``projectFileId, fileName, originalFileName, mimeType, fileType, sendTiming, projectNeedId`` (None for
    the whole project), ``needLabel, storageId, size, downloadUrl, missing`` (True when the blob is gone or the
    row is a legacy ``/uploads/…`` link: such a file is never attached), ``uploadedAt``.
    """
    with tenancy.orchestra_session(ref) as session:
        project = _project(session, project_id)
        rows = list(session.exec(
            select(ProjectFile).where(ProjectFile.projectId == project.id)
            .order_by(ProjectFile.projectNeedId.is_not(None), ProjectFile.projectNeedId, ProjectFile.id)
        ).all())
        return _rows_dicts(session, rows)


def need_choices(ref: tenancy.OrchestraRef, project_id: str) -> list[dict]:
    """The project's needs a file can belong to: ``[{"projectNeedId", "label"}]`` (cancelled ones left out)."""
    with tenancy.orchestra_session(ref) as session:
        project = _project(session, project_id)
        rows = session.execute(
            sa.select(ProjectNeed.id, ProjectNeed.projectNeedId, Instrument.name, Position.name,
                      Instrument.displayOrder, Position.hierarchyLevel)
            .join(Position, Position.id == ProjectNeed.positionId)
            .join(Instrument, Instrument.id == Position.instrumentId)
            .where(ProjectNeed.projectId == project.id, ProjectNeed.status.not_in(("cancelled", "archived")))
        ).all()
    rows = sorted(rows, key=lambda r: (999 if r[4] is None else r[4], r[5], r[0]))
    return [{"projectNeedId": r[1], "label": f"{r[2]} – {r[3]}"} for r in rows]


def delete_file(ref: tenancy.OrchestraRef, project_file_id: str, actor: str) -> dict:
    """Remove one file row; its blob goes too unless another row still points to it.

    Returns ``{"projectFileId", "blobDeleted"}``.
    """

    def work(session: Session) -> dict:
        row = _project_file(session, project_file_id)
        storage_id = storage_id_of(row.fileUrl)
        _audit(session, actor, "file_deleted", row, {"fileName": row.fileName, "storageId": storage_id})
        session.delete(row)
        session.flush()
        blob_deleted = False
        if storage_id is not None:
            others = session.execute(sa.select(sa.func.count()).select_from(ProjectFile).where(
                ProjectFile.fileUrl.in_(_urls_of(storage_id)))).scalar_one()
            if others == 0:
                blob_deleted = bool(session.execute(
                    sa.delete(FileStorage).where(FileStorage.id == storage_id)).rowcount)
        return {"projectFileId": project_file_id, "blobDeleted": blob_deleted}

    return tenancy.write_transaction(ref, work)


def link_file_to_need(ref: tenancy.OrchestraRef, project_file_id: str, project_need_id: str,
                      send_timing: str | None = None, actor: str | None = None) -> dict:
    """Reuse a file of the project for one of its needs: a new ``ProjectFile`` row on the same blob, type
    ``sheet_music``, timing as given (default ``on_accept``). ``Conflict`` when the need already has it."""
    timing = _choice(send_timing, SEND_TIMINGS, DEFAULTS_NEED[1], "sendTiming")

    def work(session: Session) -> dict:
        source = _project_file(session, project_file_id)
        project = session.get(Project, source.projectId)
        need = _need_of_project(session, project, project_need_id)
        storage_id = storage_id_of(source.fileUrl)
        if storage_id is None or session.get(FileStorage, storage_id) is None:
            raise Conflict("file_missing", "The file's content is missing, so it cannot be reused.")
        taken = session.execute(sa.select(ProjectFile.id).where(
            ProjectFile.projectNeedId == need.id, ProjectFile.fileUrl.in_(_urls_of(storage_id)))).first()
        if taken is not None:
            raise Conflict("file_already_linked", f"The need {project_need_id} already has this file.")
        row = ProjectFile(projectFileId=next_id(session, "projectFile"), projectId=project.id,
                          projectNeedId=need.id, fileName=source.fileName, originalFileName=source.originalFileName,
                          mimeType=source.mimeType, fileUrl=source.fileUrl, fileType=DEFAULTS_NEED[0],
                          sendTiming=timing, uploadedAt=clock.now())
        session.add(row)
        session.flush()
        _audit(session, actor, "file_linked", row, {"from": project_file_id, "projectNeedId": project_need_id,
                                                   "sendTiming": timing})
        return _rows_dicts(session, [row])[0]

    return tenancy.write_transaction(ref, work)


def set_send_timing(ref: tenancy.OrchestraRef, project_file_id: str, send_timing: str,
                    actor: str | None = None) -> dict:
    """Send the file with the request (``on_request``) or once the musician accepts (``on_accept``)."""
    timing = _choice(send_timing or "?", SEND_TIMINGS, "", "sendTiming")

    def work(session: Session) -> dict:
        row = _project_file(session, project_file_id)
        if row.sendTiming != timing:
            _audit(session, actor, "file_timing", row, {"from": row.sendTiming, "to": timing})
            row.sendTiming = timing
            session.add(row)
            session.flush()
        return _rows_dicts(session, [row])[0]

    return tenancy.write_transaction(ref, work)


# ----- e-mail attachments (the outbox) ---------------------------------------------------------------------------


def attachment_ids(session: Session, project_pk: int, need_pk: int, timing: str) -> list[str]:
    """``FileStorage`` ids to attach to a message about need ``need_pk`` of project ``project_pk``.

    Files of the project with ``sendTiming == timing`` whose need is ``need_pk`` or none; each blob once, in
    upload order. Rows whose blob is missing (or legacy ``/uploads`` links) are left out with a warning.
    """
    rows = session.execute(
        sa.select(ProjectFile.projectFileId, ProjectFile.fileUrl)
        .where(ProjectFile.projectId == project_pk, ProjectFile.sendTiming == timing,
               sa.or_(ProjectFile.projectNeedId == need_pk, ProjectFile.projectNeedId.is_(None)))
        .order_by(ProjectFile.id)
    ).all()
    wanted: list[str] = []
    for project_file_id, file_url in rows:
        storage_id = storage_id_of(file_url)
        if storage_id is None:
            log.warning("project file %s is not stored in the database (%s): not attached", project_file_id,
                        (file_url or "")[:80])
            continue
        if storage_id not in wanted:
            wanted.append(storage_id)
    present = set(_sizes(session, wanted))
    for storage_id in wanted:
        if storage_id not in present:
            log.warning("file content %s is missing: not attached", storage_id)
    return [storage_id for storage_id in wanted if storage_id in present]


def load_attachments(session: Session, storage_ids: list[str]) -> list[tuple[str, bytes, str]]:
    """``(file name, content, MIME type)`` of each stored file, in the given order; missing ones are skipped
    with a warning (the message still goes out)."""
    ids = [i for i in dict.fromkeys(storage_ids) if isinstance(i, str) and _STORAGE_ID.match(i)]
    if not ids:
        return []
    blobs = {b.id: b for b in session.exec(select(FileStorage).where(FileStorage.id.in_(ids))).all()}
    result = []
    for storage_id in ids:
        blob = blobs.get(storage_id)
        if blob is None:
            log.warning("attachment %s is missing: the message is sent without it", storage_id)
            continue
        name = sanitize_name(blob.originalName) or blob.fileName
        result.append((name, bytes(blob.content), blob.mimeType or "application/octet-stream"))
    return result


# ----- downloads --------------------------------------------------------------------------------------------------


def _projects_of_blob(session: Session, blob: FileStorage) -> set[int]:
    found = {blob.projectId} if blob.projectId is not None else set()
    found.update(session.execute(sa.select(ProjectFile.projectId).where(
        ProjectFile.fileUrl.in_(_urls_of(blob.id)))).scalars().all())
    return found


def _token_allows(session: Session, ref: tenancy.OrchestraRef, token: str, project_pks: set[int]) -> bool:
    """A response token lets its musician fetch the files of their request's project while the request is
    pending (and the token valid) or accepted."""
    if not token or len(token) > _MAX_TOKEN:
        return False
    if not tokens.is_legacy(token) and tokens.orchestra_subdomain(token) != ref.subdomain:
        return False
    now = clock.now()
    rows = session.execute(
        sa.select(RequestToken, Request, ProjectNeed.projectId)
        .join(Request, Request.id == RequestToken.requestId)
        .join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
        .where(RequestToken.token.in_(tokens.lookup_keys(token)))
    ).all()
    for row_token, request, project_pk in rows:
        if project_pk not in project_pks:
            continue
        if request.status == "accepted":
            return True
        if request.status == "pending" and row_token.usedAt is None:
            deadline = request.deadlineAt or row_token.expiresAt
            if deadline is None or now < clock.as_utc(deadline):
                return True
    return False


def open_download(ref: tenancy.OrchestraRef, storage_id: str, *, staff: bool,
                  token: str | None) -> tuple[str, bytes, str]:
    """``(file name, content, MIME type)`` of a stored file, for the orchestra's staff (the endpoint decides
    ``staff``) or with a response token (``_token_allows``). Otherwise ``NotFound``, whether or not the file
    exists."""
    not_found = NotFound("file_not_found", "No such file.")
    if not isinstance(storage_id, str) or not _STORAGE_ID.match(storage_id):
        raise not_found
    with tenancy.orchestra_session(ref) as session:
        blob = session.get(FileStorage, storage_id)
        if blob is None:
            raise not_found
        if not staff and not (token and _token_allows(session, ref, token, _projects_of_blob(session, blob))):
            raise not_found
        name = sanitize_name(blob.originalName) or blob.fileName
        return name, bytes(blob.content), blob.mimeType or "application/octet-stream"
