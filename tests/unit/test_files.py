"""Project files (``services.files``) and ``GET /files/{storage_id}``: accepted types by content, the 10 MB
limit, names, defaults, which files go with which e-mail, shared blobs on delete, and who may download.

Data: orchestras acme (with the demo projects, requests sent) and beta; an admin account in each. Response
tokens are derived the way the engine derives them (``tokens.derive_token``).
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select
from starlette.testclient import TestClient

from models.orchestra import AuditLog, FileStorage, Project, ProjectFile, ProjectNeed, Request
from services import auth, clock, dispatch, files, provisioning, tenancy, tokens
from services.demo import seed_demo_data
from services.errors import Conflict, NotFound, ValidationError
from stagesub_ui.endpoints import build_api

MB10 = 10 * 1024 * 1024
PASSWORD = "a-long-admin-password-1"
MAHLER, JUL = "PROJ001", "PROJ002"
TRUMPET, VIOLIN, VIOLA = "NEED001", "NEED002", "NEED003"


# ----- sample contents ---------------------------------------------------------------------------------------

def pdf(size: int = 200) -> bytes:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n"
    return head + b"0" * max(0, size - len(head) - 6) + b"%%EOF\n"


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


OLE2 = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
MUSICXML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    b'<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
    b'"http://www.musicxml.org/dtds/partwise.dtd">\n'
    b'<!-- exported -->\n<score-partwise version="4.0"><part-list/></score-partwise>\n'
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(range(256)) * 4

ACCEPTED = [
    ("noter.pdf", pdf(), "application/pdf"),
    ("bild.png", b"\x89PNG\r\n\x1a\n" + bytes(40), "image/png"),
    ("foto.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40), "image/jpeg"),
    ("foto.JPEG", b"\xff\xd8\xff\xdb" + bytes(40), "image/jpeg"),
    ("rorlig.gif", b"GIF89a" + bytes(40), "image/gif"),
    ("brev.docx", zipped("[Content_Types].xml", "word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("schema.xlsx", zipped("[Content_Types].xml", "xl/workbook.xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("bilder.pptx", zipped("[Content_Types].xml", "ppt/presentation.xml"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("gammal.doc", OLE2, "application/msword"),
    ("gammal.xls", OLE2, "application/vnd.ms-excel"),
    ("info.txt", "Samling 09.45 vid scenentrén. Välkommen!\n".encode(), "text/plain; charset=utf-8"),
    ("stamma.xml", MUSICXML, "application/vnd.recordare.musicxml+xml"),
    ("stamma.musicxml", MUSICXML.replace(b"partwise", b"timewise"), "application/vnd.recordare.musicxml+xml"),
    ("stamma.mxl", zipped("META-INF/container.xml", "score.xml"), "application/vnd.recordare.musicxml"),
]


# ----- fixtures ---------------------------------------------------------------------------------------------------


def make_orchestra(sub: str, name: str) -> tenancy.OrchestraRef:
    """A provisioned orchestra with the demo projects and an admin account ``<sub>-admin``."""
    ref = provisioning.create_orchestra(name=name, subdomain=sub, contact_name="Kansli",
                                        contact_email=f"kansli@{sub}.test", create_admin=False).orchestra
    with tenancy.orchestra_session(ref) as session:
        seed_demo_data(session)
        session.commit()
    auth.create_user(username=f"{sub}-admin", email=f"admin@{sub}.test", password=PASSWORD, role="admin",
                     orchestra_subdomain=sub)
    return ref


@pytest.fixture
def acme(installation, monkeypatch):
    """acme with the demo projects (nothing sent)."""
    monkeypatch.delenv("STAGESUB_PUBLIC_URL", raising=False)
    monkeypatch.delenv("STAGESUB_BASE_DOMAIN", raising=False)
    return make_orchestra("acme", "Testorkestern")


@pytest.fixture
def world(acme):
    """acme with both demo projects sent, and beta (demo data, nothing sent)."""
    for project_id in (MAHLER, JUL):
        dispatch.send_project(acme, project_id)
    return {"acme": acme, "beta": make_orchestra("beta", "Betaorkestern")}


def upload(ref, name="noter.pdf", content=None, project_id=MAHLER, **kwargs) -> dict:
    return files.upload_file(ref, project_id, original_name=name, content=pdf() if content is None else content,
                             actor="tester", **kwargs)


def counts(ref) -> tuple[int, int]:
    with tenancy.orchestra_session(ref) as session:
        return tuple(session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
                     for model in (FileStorage, ProjectFile))


def pks(ref) -> dict[str, int]:
    """Public project and need ids -> primary keys."""
    with tenancy.orchestra_session(ref) as session:
        found = dict(session.execute(sa.select(Project.projectId, Project.id)).all())
        found |= dict(session.execute(sa.select(ProjectNeed.projectNeedId, ProjectNeed.id)).all())
        return found


def selection(ref, project_id: str, need_id: str, timing: str) -> list[str]:
    keys = pks(ref)
    with tenancy.orchestra_session(ref) as session:
        return files.attachment_ids(session, keys[project_id], keys[need_id], timing)


# ----- types, size, names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "mime"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_every_accepted_type_is_recognised_by_its_content(name, content, mime):
    clean, kind = files.check_file(name, content)
    assert clean == name and kind.mime == mime


def test_accepted_files_are_stored_as_sent_with_the_sniffed_type(acme):
    for name, content, mime in ACCEPTED:
        row = upload(acme, name, content)
        assert row["mimeType"] == mime and row["size"] == len(content) and not row["missing"]
        with tenancy.orchestra_session(acme) as session:
            blob = session.get(FileStorage, row["storageId"])
            assert blob.content == content and blob.mimeType == mime and blob.originalName == name
    assert counts(acme) == (len(ACCEPTED), len(ACCEPTED))


def test_ten_megabytes_exactly_is_accepted_one_byte_more_is_not(acme):
    row = upload(acme, "stor.pdf", pdf(MB10))
    assert row["size"] == MB10
    before = counts(acme)
    with pytest.raises(ValidationError) as caught:
        upload(acme, "storre.pdf", pdf(MB10 + 1))
    assert caught.value.code == "file_too_large"
    assert "Filen är för stor. Max 10 MB." in caught.value.message and "10 MB" in caught.value.fields["file"]
    assert counts(acme) == before


@pytest.mark.parametrize(("name", "content", "code"), [
    ("tom.pdf", b"", "file_empty"),
    ("program.pdf", EXE, "file_content_unknown"),
    ("bild.pdf", b"\x89PNG\r\n\x1a\n" + bytes(40), "file_content_mismatch"),
    ("noter.png", pdf(), "file_content_mismatch"),
    ("text.pdf", b"just some text", "file_content_mismatch"),
    ("brev.docx", zipped("[Content_Types].xml", "xl/workbook.xml"), "file_content_mismatch"),
    ("arkiv.docx", zipped("a.txt"), "file_content_unknown"),
    ("data.xml", b"<?xml version='1.0'?><note>hej</note>", "file_content_mismatch"),
    ("trasig.txt", b"\xff\xfe\x00binary\x00", "file_content_unknown"),
    ("program.exe", EXE, "file_type_not_allowed"),
    ("utan-filandelse", pdf(), "file_name_invalid"),
    ("../", pdf(), "file_name_invalid"),
])
def test_refused_files(name, content, code):
    with pytest.raises(ValidationError) as caught:
        files.check_file(name, content)
    assert caught.value.code == code
    assert caught.value.fields["file"] and " / " in caught.value.message  # Swedish / English


def test_a_refused_upload_changes_nothing(acme):
    before = counts(acme)
    for name, content in (("tom.pdf", b""), ("program.pdf", EXE), ("bild.pdf", b"\x89PNG\r\n\x1a\n" + bytes(40))):
        with pytest.raises(ValidationError):
            upload(acme, name, content)
    assert counts(acme) == before


def test_musicxml_root_detection_is_linear_on_hostile_text():
    assert files.xml_root('<!DOCTYPE x [ <!ENTITY a "b"> ]>\n<mus:score-timewise/>') == "mus:score-timewise"
    assert files.xml_root("Hej <score-partwise>") is None
    started = time.monotonic()
    for hostile in (" " * 60_000 + "!", "<!--" + "-" * 60_000, "<?" * 30_000, "<!DOCTYPE x>" * 5_000):
        assert files.sniff(hostile.encode(), ".xml").key == "text"
    assert time.monotonic() - started < 1.0


def test_an_exe_named_pdf_gets_a_clear_message():
    with pytest.raises(ValidationError) as caught:
        files.check_file("faktura.pdf", EXE)
    assert "faktura.pdf" in caught.value.message and "program" in caught.value.message


def test_names_are_sanitised_and_the_stored_name_is_generated(acme):
    row = upload(acme, "../../etc/\x00pa\u202ess\twd.pdf")
    assert row["fileName"] == "passwd.pdf"
    assert upload(acme, "C:\\Users\\kansli\\Noter  å.pdf")["fileName"] == "Noter å.pdf"
    long_name = upload(acme, "x" * 300 + ".pdf")["fileName"]
    assert len(long_name) == files.NAME_MAX and long_name.endswith("x.pdf")
    with tenancy.orchestra_session(acme) as session:
        blob = session.get(FileStorage, row["storageId"])
        project_file = session.exec(select(ProjectFile).where(ProjectFile.projectFileId == row["projectFileId"])).one()
    assert re.fullmatch(r"project-PROJ001-general-\d{13}-[0-9a-f]{8}\.pdf", blob.fileName)
    assert project_file.fileUrl == f"/files/{blob.id}" and row["downloadUrl"] == f"/files/{blob.id}"
    assert re.fullmatch(r"FILE\d{3}", row["projectFileId"])
    need_row = upload(acme, "stamma.pdf", project_need_id=TRUMPET)
    with tenancy.orchestra_session(acme) as session:
        assert re.fullmatch(r"project-PROJ001-need-NEED001-\d{13}-[0-9a-f]{8}\.pdf",
                            session.get(FileStorage, need_row["storageId"]).fileName)


def test_defaults_per_context_and_explicit_choices(acme):
    general = upload(acme)
    assert (general["fileType"], general["sendTiming"], general["projectNeedId"]) == (
        "general_info", "on_request", None)
    need = upload(acme, project_need_id=VIOLIN)
    assert (need["fileType"], need["sendTiming"], need["projectNeedId"], need["needLabel"]) == (
        "sheet_music", "on_accept", VIOLIN, "Violin – Tutti violin 1")
    chosen = upload(acme, project_need_id=VIOLIN, send_timing="on_request", file_type="general_info")
    assert (chosen["fileType"], chosen["sendTiming"]) == ("general_info", "on_request")
    before = counts(acme)
    with pytest.raises(ValidationError) as caught:
        upload(acme, send_timing="on_reminder")
    assert caught.value.code == "invalid_send_timing"
    with pytest.raises(ValidationError):
        upload(acme, file_type="poster")
    with pytest.raises(NotFound):
        upload(acme, project_need_id=VIOLA)  # a need of the other project
    with pytest.raises(NotFound):
        upload(acme, project_id="PROJ999")
    assert counts(acme) == before


def test_both_rows_or_neither(acme, monkeypatch):
    """A failure after the blob is written rolls the blob back too."""
    before = counts(acme)

    def broken(session, entity_type):
        raise RuntimeError("sequence broken")

    monkeypatch.setattr(files, "next_id", broken)
    with pytest.raises(RuntimeError):
        upload(acme)
    assert counts(acme) == before


def test_list_and_timing_and_audit(acme):
    general = upload(acme, "program.pdf")
    need = upload(acme, "stamma.pdf", project_need_id=TRUMPET)
    listed = files.list_files(acme, MAHLER)
    assert [row["projectFileId"] for row in listed] == [general["projectFileId"], need["projectFileId"]]
    assert listed[1]["needLabel"] == "Trumpet – Solotrumpet" and listed[0]["needLabel"] is None
    assert files.list_files(acme, JUL) == []
    changed = files.set_send_timing(acme, need["projectFileId"], "on_request", actor="tester")
    assert changed["sendTiming"] == "on_request"
    with pytest.raises(ValidationError):
        files.set_send_timing(acme, need["projectFileId"], "later")
    with pytest.raises(NotFound):
        files.set_send_timing(acme, "FILE999", "on_accept")
    assert [c["projectNeedId"] for c in files.need_choices(acme, MAHLER)] == [VIOLIN, TRUMPET]
    with tenancy.orchestra_session(acme) as session:
        actions = session.execute(sa.select(AuditLog.action, AuditLog.userId).where(
            AuditLog.entityType == "ProjectFile").order_by(AuditLog.id)).all()
    assert actions == [("file_uploaded", "tester"), ("file_uploaded", "tester"), ("file_timing", "tester")]


# ----- attachments ---------------------------------------------------------------------------------------------


def test_attachment_selection_general_versus_need_and_timing(acme):
    g_req = upload(acme, "allman-forfragan.pdf")
    g_acc = upload(acme, "allman-ja.pdf", send_timing="on_accept")
    t_req = upload(acme, "trumpet-forfragan.pdf", project_need_id=TRUMPET, send_timing="on_request")
    t_acc = upload(acme, "trumpet-ja.pdf", project_need_id=TRUMPET)
    v_acc = upload(acme, "violin-ja.pdf", project_need_id=VIOLIN)
    upload(acme, "jul.pdf", project_id=JUL)  # another project: never attached to Mahler's messages
    # The general file reused for the trumpet need: still attached once.
    files.link_file_to_need(acme, g_req["projectFileId"], TRUMPET, "on_request")
    ids = {name: row["storageId"] for name, row in
           (("g_req", g_req), ("g_acc", g_acc), ("t_req", t_req), ("t_acc", t_acc), ("v_acc", v_acc))}
    assert selection(acme, MAHLER, TRUMPET, "on_request") == [ids["g_req"], ids["t_req"]]
    assert selection(acme, MAHLER, TRUMPET, "on_accept") == [ids["g_acc"], ids["t_acc"]]
    assert selection(acme, MAHLER, VIOLIN, "on_request") == [ids["g_req"]]
    assert selection(acme, MAHLER, VIOLIN, "on_accept") == [ids["g_acc"], ids["v_acc"]]
    assert selection(acme, JUL, VIOLA, "on_accept") == []
    with tenancy.orchestra_session(acme) as session:
        loaded = files.load_attachments(session, [ids["t_acc"], ids["g_acc"], ids["t_acc"]])
    assert [(name, mime) for name, _, mime in loaded] == [("trumpet-ja.pdf", "application/pdf"),
                                                          ("allman-ja.pdf", "application/pdf")]
    assert loaded[0][1] == pdf()


def test_a_missing_blob_is_skipped_with_a_warning_and_shown_as_missing(acme, caplog):
    kept = upload(acme, "kvar.pdf", send_timing="on_accept")
    gone = upload(acme, "borta.pdf", send_timing="on_accept")
    with tenancy.orchestra_session(acme) as session:
        session.execute(sa.delete(FileStorage).where(FileStorage.id == gone["storageId"]))
        session.add(ProjectFile(projectFileId="FILE900", projectId=pks(acme)[MAHLER], fileName="gammal.pdf",
                                fileUrl="/uploads/gammal.pdf", fileType="general_info", sendTiming="on_accept"))
        session.commit()
    caplog.set_level(logging.WARNING, logger="services.files")
    assert selection(acme, MAHLER, TRUMPET, "on_accept") == [kept["storageId"]]
    with tenancy.orchestra_session(acme) as session:
        loaded = files.load_attachments(session, [gone["storageId"], kept["storageId"]])
    assert [name for name, _, _ in loaded] == ["kvar.pdf"]
    assert gone["storageId"] in caplog.text and "/uploads/gammal.pdf" in caplog.text
    listed = {row["fileName"]: row for row in files.list_files(acme, MAHLER)}
    assert listed["borta.pdf"]["missing"] and listed["borta.pdf"]["downloadUrl"] is None
    assert listed["gammal.pdf"]["missing"] and not listed["kvar.pdf"]["missing"]


# ----- delete and reuse ---------------------------------------------------------------------------------------


def test_a_shared_blob_is_kept_until_its_last_file_is_deleted(acme):
    original = upload(acme, "noter.pdf")
    linked = files.link_file_to_need(acme, original["projectFileId"], VIOLIN)
    assert (linked["storageId"], linked["fileType"], linked["sendTiming"]) == (
        original["storageId"], "sheet_music", "on_accept")
    with pytest.raises(Conflict):
        files.link_file_to_need(acme, original["projectFileId"], VIOLIN)
    with pytest.raises(NotFound):
        files.link_file_to_need(acme, original["projectFileId"], VIOLA)  # not a need of this project
    assert files.delete_file(acme, original["projectFileId"], "tester") == {
        "projectFileId": original["projectFileId"], "blobDeleted": False}
    listed = files.list_files(acme, MAHLER)
    assert [row["projectFileId"] for row in listed] == [linked["projectFileId"]] and not listed[0]["missing"]
    assert selection(acme, MAHLER, VIOLIN, "on_accept") == [original["storageId"]]
    assert files.delete_file(acme, linked["projectFileId"], "tester")["blobDeleted"] is True
    assert counts(acme) == (0, 0)
    with pytest.raises(NotFound):
        files.delete_file(acme, linked["projectFileId"], "tester")


# ----- downloads -----------------------------------------------------------------------------------------------


def client(host: str = "acme.localhost:3000") -> TestClient:
    return TestClient(build_api(), base_url=f"http://{host}")


def staff_cookie(username: str) -> dict[str, str]:
    token, _ = auth.login(username, PASSWORD, ip="127.0.0.1")
    return {"cookie": f"{auth.SESSION_COOKIE}={token}"}


def requests_of(ref, project_id: str) -> list[Request]:
    with tenancy.orchestra_session(ref) as session:
        return list(session.exec(
            select(Request).join(ProjectNeed, ProjectNeed.id == Request.projectNeedId)
            .join(Project, Project.id == ProjectNeed.projectId)
            .where(Project.projectId == project_id).order_by(Request.id)
        ).all())


def token_of(ref, request: Request) -> str:
    return tokens.derive_token(ref.subdomain, ref.orchestraId, request.requestId)


def test_download_by_staff_of_this_orchestra_only(world):
    acme, beta = world["acme"], world["beta"]
    row = upload(acme, "Noter å 1.pdf")
    url = row["downloadUrl"]
    response = client().get(url, headers=staff_cookie("acme-admin"))
    assert response.status_code == 200 and response.content == pdf()
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == "attachment; filename*=UTF-8''Noter%20%C3%A5%201.pdf"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    # Another orchestra's staff, on this orchestra's host or on their own.
    assert client().get(url, headers=staff_cookie("beta-admin")).status_code == 404
    beta_row = upload(beta, "beta.pdf")
    assert client("beta.localhost:3000").get(beta_row["downloadUrl"], headers=staff_cookie("acme-admin")) \
        .status_code == 404
    assert client("beta.localhost:3000").get(beta_row["downloadUrl"], headers=staff_cookie("beta-admin")) \
        .status_code == 200
    # Nobody, a bad cookie, the platform host, an unknown id: the same 404.
    for host, path, headers in (
        ("acme.localhost:3000", url, {}),
        ("acme.localhost:3000", url, {"cookie": f"{auth.SESSION_COOKIE}=forged"}),
        ("localhost:3000", url, staff_cookie("acme-admin")),
        ("nosuch.localhost:3000", url, staff_cookie("acme-admin")),
        ("acme.localhost:3000", "/files/cnothere0000000000000", staff_cookie("acme-admin")),
        ("acme.localhost:3000", "/files/c..central", staff_cookie("acme-admin")),
    ):
        response = client(host).get(path, headers=headers)
        assert response.status_code == 404, (host, path)
        assert response.headers["cache-control"] == "private, no-store"
        assert pdf() not in response.content
    assert client().get("/files/..%2F..%2Fcentral.db", headers=staff_cookie("acme-admin")).status_code == 404


def test_download_with_a_response_token(world):
    acme = world["acme"]
    row = upload(acme, "stamma.pdf", project_need_id=TRUMPET)
    url = row["downloadUrl"]
    mahler = requests_of(acme, MAHLER)
    jul = requests_of(acme, JUL)
    pending = token_of(acme, mahler[0])
    # A pending request of the same project (any of its needs): allowed.
    assert client().get(url, params={"token": pending}).status_code == 200
    assert client().get(url, params={"token": token_of(acme, mahler[-1])}).content == pdf()
    # A request of another project, a made-up token, an acme token on beta's host: 404.
    assert client().get(url, params={"token": token_of(acme, jul[0])}).status_code == 404
    assert client().get(url, params={"token": "acme.notatoken0000000000000000000000"}).status_code == 404
    assert client("beta.localhost:3000").get(url, params={"token": pending}).status_code == 404
    # Accepted (its token is used up by the answer): still allowed. Declined: no longer.
    dispatch.handle_response(pending, "accept")
    assert client().get(url, params={"token": pending}).status_code == 200
    declined = token_of(acme, mahler[1])
    dispatch.handle_response(declined, "decline")
    assert client().get(url, params={"token": declined}).status_code == 404


def test_an_expired_pending_token_is_refused(world):
    acme = world["acme"]
    url = upload(acme)["downloadUrl"]
    request = requests_of(acme, MAHLER)[0]
    token = token_of(acme, request)
    assert client().get(url, params={"token": token}).status_code == 200
    clock.set_now(request.deadlineAt + timedelta(minutes=1))
    assert requests_of(acme, MAHLER)[0].status == "pending"  # no scheduler pass yet
    assert client().get(url, params={"token": token}).status_code == 404


def test_open_download_service_rules(acme):
    row = upload(acme)
    assert files.open_download(acme, row["storageId"], staff=True, token=None) == (
        "noter.pdf", pdf(), "application/pdf")
    for storage_id in (row["storageId"], "../x", "", "c" * 65):
        with pytest.raises(NotFound):
            files.open_download(acme, storage_id, staff=False, token=None)


# ----- the UI state ---------------------------------------------------------------------------------------------


async def test_state_lists_uploads_and_deletes(world):
    from reflex.istate.data import RouterData
    from reflex.state import State
    from reflex_components_core.core._upload import UploadFile

    from state.project_files import GENERAL, ProjectFilesState

    acme = world["acme"]
    token = staff_cookie("acme-admin")["cookie"]
    root = State()
    root.router = RouterData.from_router_data({
        "headers": {"host": "acme.localhost:3000", "origin": "http://acme.localhost:3000", "cookie": token},
        "pathname": f"/projects/{MAHLER}", "asPath": f"/projects/{MAHLER}", "query": {},
    })
    state = root.get_substate(ProjectFilesState.get_full_name().split(".")[1:])

    assert await state.load_files() is None
    assert state.files_loaded and state.files == []
    assert [c.projectNeedId for c in state.need_choices] == [VIOLIN, TRUMPET]
    state.set_upload_need(TRUMPET)
    assert state.upload_timing == "on_accept"  # the need default follows until a timing is chosen
    state.set_upload_timing("on_request")
    state.set_upload_need(GENERAL)
    assert state.upload_timing == "on_request"
    state.set_upload_need(TRUMPET)
    uploads = [UploadFile(file=io.BytesIO(pdf()), path=Path("noter.pdf"), size=len(pdf())),
               UploadFile(file=io.BytesIO(EXE), path=Path("virus.pdf"), size=len(EXE))]
    async for _ in state.upload(uploads):
        pass
    assert state.uploaded_count == 1 and not state.uploading
    assert len(state.upload_errors) == 1 and state.upload_errors[0].startswith("virus.pdf: ")
    [row] = state.files
    assert (row.fileName, row.projectNeedId, row.sendTiming, row.size) == (
        "noter.pdf", TRUMPET, "on_request", "200 B")
    await state.delete_file(row.projectFileId)
    assert state.files == [] and state.delete_busy == ""

    assert counts(acme) == (0, 0)
