"""The templates page's operations: list, read, save, delete, create the missing defaults, preview, test send.

A template type is ``<base>`` (Swedish) or ``<base>_en`` (English) of the five base types
(``templates.BASE_TYPES``). Saving validates first (``templates.validate_template``) and changes nothing on bad
input; every change writes an AuditLog row with the old and new values. The Swedish template of every base type
cannot be deleted: the engine (and the group e-mail) fall back to it and stop without it.

A preview renders unsaved text with made-up but realistic values and writes nothing; a test send queues one
e-mail through the outbox, so it leaves through the orchestra's real provider (or the simulation) exactly like
a musician's mail would.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from models.orchestra import AuditLog, EmailTemplate
from services import auth, clock, outbox, seed_data, tenancy, tokens
from services.errors import Conflict, NotFound, ValidationError
from services.ids import next_id
from services.messaging import templates
from services.settings import get_settings

LANGUAGES: tuple[str, ...] = seed_data.TEMPLATE_LANGUAGES
TEST_SUBJECT_PREFIX = "[TEST] "

SAMPLE_VALUES: dict[str, dict[str, object]] = {
    "sv": {
        "firstName": "Anna", "lastName": "Lindqvist", "projectName": "Vårkonsert: Sibelius 2",
        "positionName": "Tutti violin 1", "instrumentName": "Violin", "quantity": 2, "responseTime": 48,
        "rehearsalSchedule": "Mån–ons 10.00–13.00 i Stora salen",
        "concertInfo": "Torsdag 19.00 och fredag 19.00 i Konserthuset",
        "attachmentNote": "Se bifogade filer för noter och ytterligare information.",
        "subject": "Ändrad repetitionstid", "message": "Repetitionen på tisdag börjar kl. 11.00 i stället för 10.00.",
    },
    "en": {
        "firstName": "Anna", "lastName": "Lindqvist", "projectName": "Spring concert: Sibelius 2",
        "positionName": "Tutti violin 1", "instrumentName": "Violin", "quantity": 2, "responseTime": 48,
        "rehearsalSchedule": "Mon–Wed 10:00–13:00 in the Main Hall",
        "concertInfo": "Thursday 19:00 and Friday 19:00 at the Concert Hall",
        "attachmentNote": "See attached files for sheet music and additional information.",
        "subject": "Changed rehearsal time", "message": "Tuesday's rehearsal starts at 11:00 instead of 10:00.",
    },
}
"""The made-up musician, project and need of a preview (dates, deadline and link are added per call)."""


# ----- types ---------------------------------------------------------------------------------------------------


def split_type(template_type: str) -> tuple[str, str]:
    """``"request_en"`` -> ``("request", "en")``, ``"request"`` -> ``("request", "sv")``; anything else is a
    ValidationError (422)."""
    value = (template_type or "").strip()
    for language in LANGUAGES:
        base = value if language == "sv" else value.removesuffix(f"_{language}")
        if base in templates.BASE_TYPES and seed_data.template_type(base, language) == value:
            return base, language
    types = ", ".join(all_types())
    message = f"Unknown template type {value!r}; the types are {types}."
    raise ValidationError("unknown_template_type", message, {"type": message})


def all_types() -> list[str]:
    return [seed_data.template_type(base, language) for base in templates.BASE_TYPES for language in LANGUAGES]


def is_required(template_type: str) -> bool:
    """The Swedish template of a base type: the fallback every send relies on."""
    return template_type in templates.BASE_TYPES


def _by_type(session: Session, template_type: str) -> EmailTemplate | None:
    return session.exec(select(EmailTemplate).where(EmailTemplate.type == template_type)).first()


def _as_dict(row: EmailTemplate) -> dict:
    base, language = split_type(row.type)
    return {
        "emailTemplateId": row.emailTemplateId, "type": row.type, "baseType": base, "language": language,
        "subject": row.subject, "body": row.body, "variables": list(templates.VARIABLES[base]),
        "required": is_required(row.type), "createdAt": row.createdAt, "updatedAt": row.updatedAt,
    }


def _audit(session: Session, actor: str, action: str, row_id: int, old: dict | None, new: dict | None) -> None:
    session.add(AuditLog(auditLogId=next_id(session, "auditLog"), userId=actor, action=action,
                         entityType="EmailTemplate", entityId=row_id, oldValues=old, newValues=new))


# ----- reading -------------------------------------------------------------------------------------------------


def list_templates(ref: tenancy.OrchestraRef) -> list[dict]:
    """Per base type (in the standard order): each language's template or a ``missing`` marker.

    ``[{"baseType", "engine", "variables", "missing": ["en"], "languages": [{"language", "type", "exists",
    "required", "emailTemplateId", "subject", "updatedAt"}]}]``. Rows of other types (an earlier system's
    experiments) are not listed.
    """
    with tenancy.orchestra_session(ref) as session:
        rows = {row.type: row for row in session.exec(select(EmailTemplate)).all()}
    groups = []
    for base in templates.BASE_TYPES:
        languages = []
        for language in LANGUAGES:
            template_type = seed_data.template_type(base, language)
            row = rows.get(template_type)
            languages.append({
                "language": language, "type": template_type, "exists": row is not None,
                "required": is_required(template_type),
                "emailTemplateId": row.emailTemplateId if row else "", "subject": row.subject if row else "",
                "updatedAt": row.updatedAt if row else None,
            })
        groups.append({
            "baseType": base, "engine": base in templates.ENGINE_TYPES,
            "variables": list(templates.PREFERRED_VARIABLES[base]),
            "missing": [item["language"] for item in languages if not item["exists"]],
            "languages": languages,
        })
    return groups


def get_template(ref: tenancy.OrchestraRef, template_type: str) -> dict:
    split_type(template_type)
    with tenancy.orchestra_session(ref) as session:
        row = _by_type(session, template_type)
        if row is None:
            raise NotFound("template_missing", f"The orchestra has no {template_type!r} e-mail template.")
        return _as_dict(row)


def default_template(ref: tenancy.OrchestraRef, template_type: str) -> dict:
    """``{"subject", "body"}`` of the standard template of a type (signed with the orchestra's name): the
    starting text of a template that does not exist yet."""
    split_type(template_type)
    subject, body = next((s, b) for t, s, b in seed_data.default_templates(ref.name) if t == template_type)
    return {"subject": subject, "body": body}


# ----- changes -------------------------------------------------------------------------------------------------


def _clean(subject: str | None, body: str | None) -> tuple[str, str]:
    return (subject or "").strip(), (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def save_template(ref: tenancy.OrchestraRef, template_type: str, subject: str | None, body: str | None,
                  actor: str) -> dict:
    """Create or update one template after validating it (``TemplateValidationError`` and nothing saved)."""
    base, _ = split_type(template_type)
    subject, body = _clean(subject, body)
    templates.validate_template(base, subject, body)

    def work(session: Session) -> dict:
        row = _by_type(session, template_type)
        if row is None:
            row = EmailTemplate(emailTemplateId=next_id(session, "emailTemplate"), type=template_type,
                                subject=subject, body=body, variables=seed_data.template_placeholders(subject, body))
            session.add(row)
            session.flush()
            _audit(session, actor, "create_template", row.id, None, {"type": template_type, "subject": subject,
                                                                     "body": body})
            return _as_dict(row)
        if row.subject == subject and row.body == body:
            return _as_dict(row)
        old = {"type": template_type, "subject": row.subject, "body": row.body}
        row.subject, row.body = subject, body
        row.variables = seed_data.template_placeholders(subject, body)
        row.updatedAt = clock.now()
        session.add(row)
        session.flush()
        _audit(session, actor, "update_template", row.id, old, {"type": template_type, "subject": subject,
                                                                "body": body})
        return _as_dict(row)

    return tenancy.write_transaction(ref, work)


def delete_template(ref: tenancy.OrchestraRef, template_type: str, actor: str) -> None:
    """Delete a template; the Swedish one of each base type is refused (Conflict): sends fall back to it."""
    base, _ = split_type(template_type)
    if is_required(template_type):
        raise Conflict("template_required",
                       f"The Swedish {base!r} template cannot be deleted: every {base} e-mail falls back to it. "
                       "Edit it instead.")

    def work(session: Session) -> None:
        row = _by_type(session, template_type)
        if row is None:
            raise NotFound("template_missing", f"The orchestra has no {template_type!r} e-mail template.")
        _audit(session, actor, "delete_template", row.id,
               {"type": row.type, "subject": row.subject, "body": row.body}, None)
        session.delete(row)

    tenancy.write_transaction(ref, work)


def create_missing_defaults(ref: tenancy.OrchestraRef, actor: str = "system") -> list[str]:
    """Add the standard template (``seed_data.default_templates``) of every type that has none; existing
    templates are left exactly as they are. Returns the types created."""

    def work(session: Session) -> list[str]:
        existing = set(session.exec(select(EmailTemplate.type)).all())
        created = []
        for template_type, subject, body in seed_data.default_templates(ref.name):
            if template_type in existing:
                continue
            row = EmailTemplate(emailTemplateId=next_id(session, "emailTemplate"), type=template_type,
                                subject=subject, body=body, variables=seed_data.template_placeholders(subject, body))
            session.add(row)
            session.flush()
            _audit(session, actor, "create_template", row.id, None,
                   {"type": template_type, "subject": subject, "body": body, "source": "default"})
            created.append(template_type)
        return created

    return tenancy.write_transaction(ref, work)


# ----- preview and test send -----------------------------------------------------------------------------------


def sample_variables(ref: tenancy.OrchestraRef, language: str) -> dict[str, object]:
    """Realistic values for a preview: a made-up musician and need, dates from today, and a response link on
    the orchestra's own host (with a token that matches no request)."""
    language = templates.language_of(language)
    tz = get_settings().timezone
    now = clock.now()
    start = now + timedelta(days=30)
    values = dict(SAMPLE_VALUES[language])
    values.update({
        "startDate": templates.format_date(start, language, tz),
        "weekNumber": clock.to_local(start, tz).isocalendar().week,
        "deadline": templates.format_date(now + timedelta(hours=48), language, tz, with_time=True),
        "responseUrl": tokens.response_url(ref, f"{ref.subdomain}.exempel-forhandsvisning"),
        "orchestraName": ref.name,
    })
    return templates.standard_variables(values)


def _text_of(ref: tenancy.OrchestraRef, template_type: str, subject: str | None,
             body: str | None) -> tuple[str, str]:
    """The text to render: the given (unsaved) text, or the saved template's when both are None."""
    if subject is None and body is None:
        saved = get_template(ref, template_type)
        return saved["subject"], saved["body"]
    return _clean(subject, body)


def preview(ref: tenancy.OrchestraRef, template_type: str, subject: str | None = None, body: str | None = None,
            language: str | None = None) -> dict:
    """``{"subject", "text", "html", "language"}`` of the (unsaved) text with sample values; validated first
    (``TemplateValidationError``). Writes nothing."""
    base, type_language = split_type(template_type)
    language = templates.language_of(language or type_language)
    subject, body = _text_of(ref, template_type, subject, body)
    templates.validate_template(base, subject, body)
    rendered_subject, text, html = templates.compose(subject, body, sample_variables(ref, language), language)
    return {"subject": rendered_subject, "text": text, "html": html, "language": language}


def send_test(ref: tenancy.OrchestraRef, template_type: str, subject: str | None, body: str | None,
              to_address: str, actor: str) -> str:
    """Queue one test e-mail of the (unsaved) template with sample values to ``to_address`` (the staff member's
    own address); it is delivered by the outbox like every other e-mail. Returns the outbox messageId."""
    address = (to_address or "").strip().lower()
    if len(address) > 254 or not auth.EMAIL_RE.match(address):
        message = "The e-mail address is not valid."
        raise ValidationError("invalid_email", message, {"to": message})
    rendered = preview(ref, template_type, subject, body)

    def work(session: Session) -> str:
        row = outbox.enqueue(session, channel="email", message_type="test", recipient=address,
                             subject=TEST_SUBJECT_PREFIX + rendered["subject"], body=rendered["text"])
        row.htmlBody = rendered["html"]
        session.flush()
        session.add(AuditLog(auditLogId=next_id(session, "auditLog"), userId=actor, action="send_test_email",
                             entityType="Outbox", entityId=row.id,
                             newValues={"type": template_type, "to": address, "messageId": row.messageId}))
        return row.messageId

    return tenancy.write_transaction(ref, work)
