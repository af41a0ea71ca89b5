"""TemplatesState: the e-mail templates page (admins): the list per type and language, the editor, the preview
and the test send.

Every handler re-checks the session and the admin role (``_require(routes.ADMIN_ROLES)``) and calls
``services.template_admin`` in a worker thread; those are short database calls. Validation problems come back
as ``TemplateValidationError.problems`` and are shown at their field in the user's language.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re

import reflex as rx
from reflex.event import EventSpec

from services import auth, template_admin, tenancy
from services.errors import ServiceError
from services.messaging import templates
from stagesub_ui import routes
from stagesub_ui.i18n import sv, translate
from state.session import SessionState

log = logging.getLogger(__name__)

BODY_ID = "template-body"
SUBJECT_ID = "template-subject"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclasses.dataclass
class LanguageRow:
    language: str = ""
    type: str = ""
    exists: bool = False
    required: bool = False
    subject: str = ""


@dataclasses.dataclass
class TemplateGroup:
    baseType: str = ""
    engine: bool = False
    missing: int = 0
    languages: list[LanguageRow] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Problem:
    field: str = ""
    code: str = ""
    detail: str = ""


def to_groups(groups: list[dict]) -> list[TemplateGroup]:
    return [
        TemplateGroup(
            baseType=group["baseType"], engine=bool(group["engine"]), missing=len(group["missing"]),
            languages=[LanguageRow(language=item["language"], type=item["type"], exists=bool(item["exists"]),
                                   required=bool(item["required"]), subject=item["subject"] or "")
                       for item in group["languages"]],
        )
        for group in groups
    ]


def error_key(exc: ServiceError) -> str:
    """The catalog key of a service error: this page's own text, the shared ``error.<code>``, or the generic."""
    for key in (f"templates.error.{exc.code}", f"error.{exc.code}"):
        if key in sv.MESSAGES:
            return key
    return "error.unknown"


def problem_text(problem: Problem, base_type: str, lang: str) -> str:
    """A validation problem in the user's language."""
    allowed = ", ".join("{{" + name + "}}" for name in templates.PREFERRED_VARIABLES.get(base_type, ()))
    params = {"name": problem.detail, "allowed": allowed, "limit": problem.detail, "near": problem.detail.strip()}
    return translate(f"templates.problem.{problem.code}", lang) % params


def insert_script(element_id: str, name: str) -> str:
    """JavaScript returning the field's text with ``{{name}}`` at the caret (replacing a selection)."""
    token = "{{" + name + "}}"
    return (
        f"(() => {{ const el = document.getElementById('{element_id}'); if (!el) return null; "
        "const start = el.selectionStart ?? el.value.length; const end = el.selectionEnd ?? start; "
        f"return el.value.slice(0, start) + '{token}' + el.value.slice(end); }})()"
    )


class TemplatesState(SessionState):
    groups: list[TemplateGroup] = []
    loaded: bool = False
    error_key: str = ""
    missing_total: int = 0

    # The editor.
    selected_type: str = ""
    selected_base: str = ""
    selected_language: str = ""
    exists: bool = False
    required: bool = False
    subject: str = ""
    body: str = ""
    variables: list[str] = []
    problems: list[Problem] = []
    action_error_key: str = ""
    ok_key: str = ""
    ok_param: str = ""
    busy: str = ""  # save, delete, defaults, preview, test
    test_address: str = ""
    _insert_into: str = "body"

    # The preview.
    has_preview: bool = False
    preview_stale: bool = False
    preview_subject: str = ""
    preview_text: str = ""
    preview_html: str = ""

    # ----- computed ----------------------------------------------------------------------------------------

    def _field_error(self, field: str) -> str:
        for problem in self.problems:
            if problem.field == field:
                return problem_text(problem, self.selected_base, self.lang)
        return ""

    @rx.var
    def subject_error(self) -> str:
        return self._field_error("subject")

    @rx.var
    def body_error(self) -> str:
        return self._field_error("body")

    @rx.var
    def ok_text(self) -> str:
        if not self.ok_key:
            return ""
        text = translate(self.ok_key, self.lang)
        return text % {"count": self.ok_param, "address": self.ok_param} if "%(" in text else text

    # ----- helpers ---------------------------------------------------------------------------------------------

    async def _admin(self) -> tuple[auth.UserInfo | None, tenancy.OrchestraRef | None, EventSpec | None]:
        """(user, orchestra, None) for an admin of this orchestra; else (None, None, the redirect to send)."""
        user, redirect = await self._require(routes.ADMIN_ROLES)
        if user is None:
            return None, None, redirect
        try:
            ref = await asyncio.to_thread(tenancy.get_orchestra_by_id, user.orchestra_pk)
        except ServiceError as exc:
            log.warning("orchestra %s of %s unavailable: %s", user.orchestra_pk, user.id, exc.code)
            self.error_key = "error.load_failed"
            return None, None, None
        self.test_address = user.email
        return user, ref, None

    def _clear_messages(self) -> None:
        self.problems, self.action_error_key, self.ok_key, self.ok_param = [], "", "", ""

    def _fail(self, exc: ServiceError) -> None:
        problems = getattr(exc, "problems", None)
        if problems:
            self.problems = [Problem(field=p.field, code=p.code, detail=p.detail) for p in problems]
        self.action_error_key = error_key(exc)

    async def _reload_list(self, ref: tenancy.OrchestraRef) -> None:
        groups = to_groups(await asyncio.to_thread(template_admin.list_templates, ref))
        self.groups = groups
        self.missing_total = sum(group.missing for group in groups)
        self.loaded = True
        self.error_key = ""

    async def _open(self, ref: tenancy.OrchestraRef, template_type: str) -> None:
        """Load a template (or the default text of a missing one) into the editor and preview it."""
        base, language = template_admin.split_type(template_type)
        try:
            data = await asyncio.to_thread(template_admin.get_template, ref, template_type)
            exists = True
        except ServiceError:
            data = await asyncio.to_thread(template_admin.default_template, ref, template_type)
            exists = False
        self.selected_type, self.selected_base, self.selected_language = template_type, base, language
        self.exists, self.required = exists, template_admin.is_required(template_type)
        self.subject, self.body = data["subject"], data["body"]
        self.variables = list(templates.PREFERRED_VARIABLES[base])
        self._insert_into = "body"
        await self._preview(ref)

    async def _preview(self, ref: tenancy.OrchestraRef) -> None:
        try:
            result = await asyncio.to_thread(template_admin.preview, ref, self.selected_type, self.subject,
                                             self.body)
        except ServiceError as exc:
            self._fail(exc)
            self.has_preview = False
            return
        self.preview_subject, self.preview_text, self.preview_html = (result["subject"], result["text"],
                                                                      result["html"])
        self.has_preview, self.preview_stale = True, False

    # ----- events ------------------------------------------------------------------------------------------------

    @rx.event
    async def load_templates(self):
        user, ref, redirect = await self._admin()
        if user is None:
            return redirect
        try:
            await self._reload_list(ref)
            known = {row.type for group in self.groups for row in group.languages}
            await self._open(ref, self.selected_type if self.selected_type in known else "request")
        except ServiceError as exc:
            log.warning("templates of %s could not be loaded: %s", user.orchestra_pk, exc.code)
            self.error_key = "error.load_failed"
        return None

    @rx.event
    async def select_template(self, template_type: str):
        user, ref, redirect = await self._admin()
        if user is None:
            return redirect
        if template_type not in template_admin.all_types():
            return None
        self._clear_messages()
        try:
            await self._open(ref, template_type)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def set_subject(self, value: str):
        self.subject = value
        self.preview_stale = True

    @rx.event
    def set_body(self, value: str):
        self.body = value
        self.preview_stale = True

    @rx.event
    def insert_into(self, field: str):
        """Remember which field a variable chip inserts into (the one focused last)."""
        self._insert_into = "subject" if field == "subject" else "body"

    @rx.event
    def insert_variable(self, name: str):
        """Put ``{{name}}`` at the caret of the last focused field (read in the browser, then stored)."""
        if name not in self.variables or not _NAME.match(name):
            return None
        if self._insert_into == "subject":
            return rx.call_script(insert_script(SUBJECT_ID, name), callback=TemplatesState.set_subject)
        return rx.call_script(insert_script(BODY_ID, name), callback=TemplatesState.set_body)

    async def _run(self, busy: str, work):
        """Check the admin, mark ``busy`` (pushed to the browser at once), run ``work(user, ref)``, show a
        service error at the fields or as a message."""
        user, ref, redirect = await self._admin()
        if user is None:
            yield redirect
            return
        self._clear_messages()
        self.busy = busy
        yield
        try:
            await work(user, ref)
        except ServiceError as exc:
            log.info("template %s: %s failed: %s", self.selected_type, busy, exc.code)
            self._fail(exc)
        except Exception:  # never leave the buttons disabled; the details are in the log
            log.exception("template %s: %s failed", self.selected_type, busy)
            self.action_error_key = "error.unknown"
        finally:
            self.busy = ""

    @rx.event
    async def refresh_preview(self):
        async def work(user, ref):
            await self._preview(ref)

        async for update in self._run("preview", work):
            yield update

    @rx.event
    async def save(self):
        async def work(user, ref):
            saved = await asyncio.to_thread(template_admin.save_template, ref, self.selected_type, self.subject,
                                            self.body, user.username)
            self.subject, self.body, self.exists = saved["subject"], saved["body"], True
            self.ok_key = "templates.saved"
            await self._reload_list(ref)
            await self._preview(ref)

        async for update in self._run("save", work):
            yield update

    @rx.event
    async def delete(self):
        async def work(user, ref):
            await asyncio.to_thread(template_admin.delete_template, ref, self.selected_type, user.username)
            await self._reload_list(ref)
            await self._open(ref, self.selected_type)
            self.ok_key = "templates.deleted"

        async for update in self._run("delete", work):
            yield update

    @rx.event
    async def create_defaults(self):
        async def work(user, ref):
            created = await asyncio.to_thread(template_admin.create_missing_defaults, ref, user.username)
            await self._reload_list(ref)
            if self.selected_type in created:
                await self._open(ref, self.selected_type)
            self.ok_key, self.ok_param = (("templates.defaults_created", str(len(created))) if created
                                          else ("templates.defaults_none", ""))

        async for update in self._run("defaults", work):
            yield update

    @rx.event
    async def send_test(self):
        """One e-mail of the text as it stands in the editor (saved or not) to the admin's own address."""
        async def work(user, ref):
            await asyncio.to_thread(template_admin.send_test, ref, self.selected_type, self.subject, self.body,
                                    user.email, user.username)
            self.ok_key, self.ok_param = "templates.test_queued", user.email

        async for update in self._run("test", work):
            yield update
