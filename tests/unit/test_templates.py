"""E-mail templates: variables, validation, rendering (plain text + escaped HTML), the templates page's
operations (save, delete, defaults, preview, test send through the outbox)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from models.central import Orchestra
from models.orchestra import AuditLog, EmailTemplate, Outbox
from services import outbox, secrets_box, seed_data, settings, template_admin, tenancy
from services.errors import Conflict, NotFound, ValidationError
from services.messaging import templates
from tests.engine_helpers import count, make_orchestra, row_counts
from tests.fakes.resend_server import FakeResend

EVIL = "<script>alert('x')</script>"
URL = "https://acme.localhost:3000/respond/acme.abcdefghijklmnopqrstuvwxyz012345"


class Html(HTMLParser):
    """The tags, links and visible text of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, style)
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "a":
            self.links.append((attrs.get("href") or "", attrs.get("style") or ""))

    def handle_data(self, data):
        self.text.append(data)


def values(**extra) -> dict[str, object]:
    return templates.standard_variables({
        "firstName": "Anna", "lastName": "Berg", "projectName": "Mahler 5", "positionName": "Tutti violin 1",
        "instrumentName": "Violin", "responseUrl": URL, "orchestraName": "Acme Filharmoniker", **extra,
    })


# ----- variables ---------------------------------------------------------------------------------------------


def test_allowed_variables_per_type():
    assert set(templates.VARIABLES) == set(seed_data.TEMPLATE_BASE_TYPES)
    for base in templates.ENGINE_TYPES:
        accepted = set(templates.VARIABLES[base])
        assert {"musician_name", "firstName", "lastName", "projectName", "project_name", "positionName",
                "position", "orchestraName"} <= accepted
    assert {"responseUrl", "response_url", "responseTime", "response_time", "quantity", "deadline",
            "rehearsalSchedule", "rehearsal_schedule", "concertInfo", "concert_info", "startDate", "start_date",
            "weekNumber", "instrumentName", "instrument_name"} <= set(templates.VARIABLES["request"])
    assert {"responseUrl", "response_url", "deadline"} <= set(templates.VARIABLES["reminder"])
    assert "attachmentNote" in templates.VARIABLES["confirmation"]
    # Only request and reminder carry the response link and the deadline (the engine supplies them to no other).
    for base in ("confirmation", "position_filled", "group_email"):
        assert not {"responseUrl", "response_url", "deadline", "quantity"} & set(templates.VARIABLES[base])
    assert "attachmentNote" not in templates.VARIABLES["request"]
    assert {"subject", "message"} <= set(templates.VARIABLES["group_email"])
    # Every name the seed data documents is accepted.
    for base, names in seed_data.TEMPLATE_VARIABLES.items():
        assert set(names) <= set(templates.VARIABLES[base]), base


def test_standard_variables_add_snake_case_and_musician_name():
    result = templates.standard_variables({"firstName": "Anna", "lastName": "Berg", "projectName": "P",
                                           "positionName": "Solo", "responseUrl": URL, "responseTime": 48})
    assert result["musician_name"] == "Anna Berg"
    assert (result["project_name"], result["position"], result["response_url"], result["response_time"]) == (
        "P", "Solo", URL, 48)
    assert "start_date" not in result  # only aliases of values given
    assert templates.standard_variables({"projectName": "A", "project_name": "B"})["project_name"] == "B"


def test_dispatch_values_cover_every_variable_of_the_engine_types():
    """What the engine supplies (its camelCase names, plus standard_variables) covers each type's list."""
    engine = {"firstName", "lastName", "projectName", "positionName", "instrumentName", "startDate",
              "weekNumber", "rehearsalSchedule", "concertInfo", "quantity", "responseTime", "orchestraName",
              "attachmentNote", "responseUrl", "deadline"}
    supplied = set(templates.standard_variables(dict.fromkeys(engine, "x")))
    for base in templates.ENGINE_TYPES:
        assert set(templates.VARIABLES[base]) <= supplied, base


# ----- validation ------------------------------------------------------------------------------------------------


def problems(base: str, subject: str, body: str) -> list[tuple[str, str, str]]:
    return [tuple(p) for p in templates.template_problems(base, subject, body)]


def test_unknown_variable_is_named_with_the_allowed_ones():
    with pytest.raises(ValidationError) as caught:
        templates.validate_template("request", "Hej {{firstName}}", "Hej {{fooBar}} och {{ firstName }}")
    error = caught.value
    assert error.status == 422 and error.code == "invalid_template"
    assert set(error.fields) == {"body"}
    assert "{{fooBar}}" in error.fields["body"] and "{{responseUrl}}" in error.fields["body"]
    assert error.problems == [templates.TemplateProblem("body", "unknown_variable", "fooBar")]


def test_variable_of_another_type_is_unknown():
    assert problems("confirmation", "x", "[Svara]({{responseUrl}})") == [("body", "unknown_variable",
                                                                        "responseUrl")]
    assert problems("position_filled", "{{deadline}}", "x") == [("subject", "unknown_variable", "deadline")]
    assert problems("reminder", "x", "[Svara]({{response_url}}) {{deadline}}") == []


def test_single_braces_are_refused_with_the_fix():
    with pytest.raises(ValidationError) as caught:
        templates.validate_template("request", "Hej {firstName}", "Ja: {yesLink}")
    assert "use {{firstName}}" in caught.value.fields["subject"]
    assert [p.code for p in caught.value.problems] == ["single_braces", "single_braces"]


@pytest.mark.parametrize("body", ["Hej {{firstName}", "Hej {{firstName}}}", "{{ }}", "{{first name}}", "a } b",
                                  "{{firstName"])
def test_unbalanced_braces(body):
    assert "bad_braces" in [code for _, code, _ in problems("request", "x", body)]


def test_empty_and_too_long():
    assert problems("request", "  ", "") == [("subject", "required", ""), ("body", "required", "")]
    assert problems("request", "x" * 201, "ok") == [("subject", "too_long", "200")]
    assert problems("request", "x" * 200, "ok") == []
    assert problems("request", "a\nb", "ok") == [("subject", "single_line", "")]
    with pytest.raises(ValidationError) as caught:
        templates.validate_template("nonsense", "x", "y")
    assert caught.value.code == "unknown_template_type"


def test_every_seeded_default_template_validates():
    defaults = seed_data.default_templates("Acme Filharmoniker")
    assert {t for t, _, _ in defaults} == set(template_admin.all_types())
    for template_type, subject, body in defaults:
        base, _ = template_admin.split_type(template_type)
        templates.validate_template(base, subject, body)


# ----- rendering --------------------------------------------------------------------------------------------------


def test_script_in_a_name_is_inert_in_html_and_literal_in_text():
    subject, text, html = templates.compose("Till {{firstName}}", "Hej {{firstName}}!\nRad två",
                                            values(firstName=EVIL), "sv")
    assert subject == f"Till {EVIL}"  # plain, no HTML
    assert f"Hej {EVIL}!" in text
    parsed = Html(html)
    assert "script" not in parsed.tags
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f"Hej {EVIL}!" in "".join(parsed.text)
    assert parsed.tags.count("p") >= 2  # each line its own paragraph


def test_template_text_itself_is_escaped():
    _, text, html = templates.compose("s", "<b>fet</b> & {{firstName}}", values(), "sv")
    assert "<b>" not in html and "&lt;b&gt;fet&lt;/b&gt; &amp; Anna" in html
    assert text == "<b>fet</b> & Anna"


def test_value_with_markdown_or_quotes_does_not_become_a_link():
    _, _, html = templates.compose("s", "Hej {{firstName}}", values(firstName='[x](https://evil.test) "q"'), "sv")
    assert Html(html).links == []
    assert "&quot;q&quot;" in html


def test_markdown_links_only_for_http_and_https():
    body = ("[Hemsida](https://orkestern.se/?a=1&b=2)\n[Klicka](javascript:alert%281%29)\n"
            "[Data](data:text/html,x)\n[Lokal](/respond/x)\n[Post](mailto:a@b.se)")
    _, text, html = templates.compose("s", body, values(), "sv")
    links = [href for href, _ in Html(html).links]
    assert links == ["https://orkestern.se/?a=1&b=2"]
    assert "javascript:" not in "".join(links)
    assert "[Klicka](javascript:alert%281%29)" in text and "[Klicka](javascript:alert%281%29)" in html
    assert "Hemsida: https://orkestern.se/?a=1&b=2" in text
    assert 'href="https://orkestern.se/?a=1&amp;b=2"' in html


def test_link_target_from_a_value_must_be_http():
    _, _, html = templates.compose("s", "[Svara]({{responseUrl}})", values(responseUrl="javascript:alert(1)"), "sv")
    assert Html(html).links == []


@pytest.mark.parametrize("body", ["[Svara här]({{responseUrl}})", "Svara: {{response_url}}",
                                  "[Svara här]({{ response_url }})"])
def test_response_url_is_a_button(body):
    _, text, html = templates.compose("s", body, values(), "en")
    buttons = [(href, style) for href, style in Html(html).links if "background-color" in style]
    assert [href for href, _ in buttons] == [URL]
    assert "padding" in buttons[0][1] and "display:inline-block" in buttons[0][1]
    assert URL in text and "<a" not in text


def test_html_is_an_email_document_with_footer():
    _, _, html = templates.compose("Ämne", "Hej", values(orchestraName="Acme & Co"), "en")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "max-width:600px" in html
    assert "Acme &amp; Co" in html.split("<hr", 1)[1]  # the footer, after the rule
    assert "<style" not in html  # inline styles only


def test_multiline_value_keeps_its_lines():
    _, text, html = templates.compose("s", "Repetitioner: {{rehearsalSchedule}}",
                                      values(rehearsalSchedule="Mån 10\n<i>Tis</i> 10"), "sv")
    assert "Mån 10<br>&lt;i&gt;Tis&lt;/i&gt; 10" in html
    assert text == "Repetitioner: Mån 10\n<i>Tis</i> 10"


def test_subject_stays_on_one_line():
    subject, _, _ = templates.compose("Hej {{firstName}}", "x", values(firstName="A\r\nBcc: x@y.se"), "sv")
    assert subject == "Hej A Bcc: x@y.se"


def test_group_email_rendering_escapes_and_signs():
    text, html = templates.render_group_email("Ändring", f"Hej alla!\n{EVIL}", "Acme", "sv")
    assert EVIL in text and text.endswith("Acme\nDetta meddelande skickades via StageSub.")
    assert "script" not in Html(html).tags and "Detta meddelande skickades via StageSub." in html
    text_en, html_en = templates.render_group_email("Change", "Hello", "Acme", "en")
    assert "This message was sent via StageSub." in text_en and '<html lang="en">' in html_en


# ----- language choice (database) -----------------------------------------------------------------------------


@pytest.fixture
def orchestra(installation):
    return make_orchestra("acme", "Acme Filharmoniker")


def render(ref, base: str, language: str, **extra):
    with tenancy.orchestra_session(ref) as session:
        return templates.render_email(session, base, language, values(**extra))


def test_language_choice_and_fallback(orchestra):
    subject_sv, _, html_sv = render(orchestra, "request", "sv")
    subject_en, text_en, html_en = render(orchestra, "request", "en")
    assert subject_sv.startswith("Förfrågan") and '<html lang="sv">' in html_sv
    assert subject_en.startswith("Engagement request") and '<html lang="en">' in html_en
    assert "Reply to the request: " + URL in text_en
    template_admin.delete_template(orchestra, "request_en", "admin")
    subject_fallback, _, html_fallback = render(orchestra, "request", "en")
    assert subject_fallback == subject_sv and '<html lang="sv">' in html_fallback
    with tenancy.orchestra_session(orchestra) as session:  # the plain render of the engine agrees
        assert templates.render(session, "request", "en", values())[0] == subject_sv


def test_missing_template_is_not_found(orchestra):
    with tenancy.orchestra_session(orchestra) as session:
        for row in session.exec(select(EmailTemplate).where(EmailTemplate.type.like("reminder%"))).all():
            session.delete(row)
        session.commit()
    with pytest.raises(NotFound):
        render(orchestra, "reminder", "en")


# ----- the templates page's operations ---------------------------------------------------------------------------


def test_list_groups_per_type_and_marks_missing(orchestra):
    groups = template_admin.list_templates(orchestra)
    assert [g["baseType"] for g in groups] == list(seed_data.TEMPLATE_BASE_TYPES)
    assert all(g["missing"] == [] for g in groups)
    template_admin.delete_template(orchestra, "reminder_en", "admin")
    reminder = next(g for g in template_admin.list_templates(orchestra) if g["baseType"] == "reminder")
    assert reminder["missing"] == ["en"] and reminder["engine"]
    assert [(item["language"], item["exists"]) for item in reminder["languages"]] == [("sv", True), ("en", False)]
    assert "responseUrl" in reminder["variables"]


def test_save_updates_with_audit_and_unknown_variable_saves_nothing(orchestra):
    before = template_admin.get_template(orchestra, "confirmation")
    audits = count(orchestra, AuditLog)
    with pytest.raises(ValidationError) as caught:
        template_admin.save_template(orchestra, "confirmation", "Bekräftat {{firstName}}",
                                     "Hej {{fooBar}}", "admin")
    assert caught.value.fields["body"].startswith("{{fooBar}}")
    assert template_admin.get_template(orchestra, "confirmation")["body"] == before["body"]
    assert count(orchestra, AuditLog) == audits

    saved = template_admin.save_template(orchestra, "confirmation", " Bekräftat {{firstName}} ",
                                         "Hej {{musician_name}}!\r\nVälkommen.", "admin")
    assert saved["subject"] == "Bekräftat {{firstName}}" and saved["body"] == "Hej {{musician_name}}!\nVälkommen."
    with tenancy.orchestra_session(orchestra) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "update_template")).one()
        row = session.exec(select(EmailTemplate).where(EmailTemplate.type == "confirmation")).one()
    assert audit.userId == "admin" and audit.entityType == "EmailTemplate" and audit.entityId == row.id
    assert audit.oldValues["body"] == before["body"] and audit.newValues["subject"] == "Bekräftat {{firstName}}"
    assert row.variables == ["firstName", "musician_name"]
    # Saving the same text again changes nothing.
    template_admin.save_template(orchestra, "confirmation", saved["subject"], saved["body"], "admin")
    assert count(orchestra, AuditLog) == audits + 1


def test_save_creates_a_missing_template_and_refuses_unknown_types(orchestra):
    template_admin.delete_template(orchestra, "position_filled_en", "admin")
    created = template_admin.save_template(orchestra, "position_filled_en", "Filled: {{projectName}}",
                                           "Dear {{firstName}}", "admin")
    assert created["language"] == "en" and created["emailTemplateId"].startswith("TMPL")
    for bad in ("request_de", "foo", "request_en_en", ""):
        with pytest.raises(ValidationError) as caught:
            template_admin.save_template(orchestra, bad, "x", "y", "admin")
        assert caught.value.code == "unknown_template_type"


def test_swedish_template_cannot_be_deleted(orchestra):
    for base in seed_data.TEMPLATE_BASE_TYPES:
        with pytest.raises(Conflict) as caught:
            template_admin.delete_template(orchestra, base, "admin")
        assert caught.value.code == "template_required"
    assert count(orchestra, EmailTemplate) == 10
    template_admin.delete_template(orchestra, "request_en", "admin")
    assert count(orchestra, EmailTemplate) == 9
    with pytest.raises(NotFound):
        template_admin.delete_template(orchestra, "request_en", "admin")


def test_create_missing_defaults_fills_gaps_only(orchestra):
    template_admin.save_template(orchestra, "request", "Egen {{firstName}}", "Egen text {{responseUrl}}", "admin")
    template_admin.delete_template(orchestra, "reminder_en", "admin")
    template_admin.delete_template(orchestra, "group_email_en", "admin")
    with tenancy.orchestra_session(orchestra) as session:  # an earlier database without a Swedish template
        session.delete(session.exec(select(EmailTemplate).where(EmailTemplate.type == "position_filled")).one())
        session.commit()

    assert sorted(template_admin.create_missing_defaults(orchestra, "admin")) == [
        "group_email_en", "position_filled", "reminder_en"]
    assert template_admin.get_template(orchestra, "request")["subject"] == "Egen {{firstName}}"
    assert template_admin.get_template(orchestra, "reminder_en")["body"].endswith("Acme Filharmoniker")
    assert count(orchestra, EmailTemplate) == 10
    assert template_admin.create_missing_defaults(orchestra) == []


def test_preview_of_unsaved_text_writes_nothing(orchestra):
    before = row_counts(orchestra) | {"EmailTemplate": count(orchestra, EmailTemplate)}
    saved = template_admin.get_template(orchestra, "request")
    result = template_admin.preview(orchestra, "request", "Osparat {{firstName}}",
                                    "Hej {{musician_name}}, {{deadline}}\n[Svara]({{responseUrl}})")
    assert result["subject"] == "Osparat Anna" and result["language"] == "sv"
    assert result["text"].startswith("Hej Anna Lindqvist, ")
    href = [h for h, style in Html(result["html"]).links if "background-color" in style][0]
    assert href.startswith(tenancy.orchestra_base_url(orchestra) + "/respond/")
    assert re.search(r"\d{1,2} \w+ \d{4} kl\. \d\d:\d\d", result["text"])  # a real deadline
    assert row_counts(orchestra) | {"EmailTemplate": count(orchestra, EmailTemplate)} == before
    assert template_admin.get_template(orchestra, "request") == saved

    english = template_admin.preview(orchestra, "request_en")  # the saved template
    assert english["subject"].startswith("Engagement request: Tutti violin 1") and english["language"] == "en"
    with pytest.raises(ValidationError):
        template_admin.preview(orchestra, "request", "x", "{{nope}}")


@pytest.fixture
def resend(orchestra, monkeypatch):
    with FakeResend() as server:
        monkeypatch.setenv("STAGESUB_RESEND_API_URL", server.url)
        monkeypatch.delenv("RESEND_API_KEY", raising=False)
        monkeypatch.delenv("STAGESUB_SIMULATE_MESSAGES", raising=False)
        settings.reset_settings()
        with tenancy.central_session() as central:
            row = central.get(Orchestra, orchestra.id)
            row.resendApiKey, row.emailFromAddress = secrets_box.encrypt("re_acme_key_1"), "kansli@acme.test"
            central.commit()
        yield server


def test_send_test_queues_one_html_email_through_the_provider(orchestra, resend):
    outbox_before = count(orchestra, Outbox)
    message_id = template_admin.send_test(orchestra, "request_en", "Try {{firstName}}",
                                          "Hello {{firstName}}\n[Reply]({{responseUrl}})", " Admin@Acme.test ",
                                          "acme-admin")
    assert count(orchestra, Outbox) == outbox_before + 1
    with tenancy.orchestra_session(orchestra) as session:
        row = session.exec(select(Outbox).where(Outbox.messageId == message_id)).one()
    assert (row.channel, row.messageType, row.recipient, row.status) == ("email", "test", "admin@acme.test",
                                                                         "pending")
    assert row.subject == "[TEST] Try Anna" and row.body.startswith("Hello Anna")
    assert row.htmlBody and "<a href=" in row.htmlBody

    assert outbox.deliver_due(orchestra)["delivered"] == 1
    assert len(resend.emails) == 1
    key, payload, _ = resend.emails[0]
    assert key == "re_acme_key_1" and payload["to"] in ("admin@acme.test", ["admin@acme.test"])
    assert payload["subject"] == "[TEST] Try Anna" and payload["html"] == row.htmlBody and payload["text"] == row.body


def test_send_test_refuses_a_bad_address_or_template(orchestra):
    before = count(orchestra, Outbox)
    for address in ("", "not-an-address", "a@b", "x@y.se\nBcc: z@y.se"):
        with pytest.raises(ValidationError) as caught:
            template_admin.send_test(orchestra, "request", "s", "b", address, "admin")
        assert caught.value.code == "invalid_email"
    with pytest.raises(ValidationError):
        template_admin.send_test(orchestra, "request", "s", "{{fooBar}}", "admin@acme.test", "admin")
    assert count(orchestra, Outbox) == before


# ----- the page's state ------------------------------------------------------------------------------------------


@pytest.fixture
def admin_page(orchestra):
    """A TemplatesState of a logged-in admin of acme (and the cookie of a plain user), with a fake router."""
    from reflex.istate.data import RouterData
    from reflex.state import State

    from services import auth
    from state.templates import TemplatesState

    auth.create_user(username="acme-admin", email="admin@acme.test", password="acme-admin-password-1",
                     role="admin", orchestra_subdomain="acme")
    auth.create_user(username="acme-user", email="user@acme.test", password="acme-user-password-1",
                     role="user", orchestra_subdomain="acme")
    cookies = {name: f"{auth.SESSION_COOKIE}={auth.login(name, f'{name}-password-1', ip='127.0.0.1')[0]}"
               for name in ("acme-admin", "acme-user")}

    def make(who: str = "acme-admin"):
        root = State()
        host = "acme.localhost:3000"
        root.router = RouterData.from_router_data({
            "headers": {"host": host, "origin": f"http://{host}", "cookie": cookies[who]},
            "pathname": "/templates", "asPath": "/templates", "query": {},
        })
        return root.get_substate(TemplatesState.get_full_name().split(".")[1:])

    return make


async def run(generator) -> list:
    return [update async for update in generator]


async def test_page_state_for_an_admin(admin_page, orchestra):
    page = admin_page()
    assert await page.load_templates() is None
    assert page.loaded and [g.baseType for g in page.groups] == list(seed_data.TEMPLATE_BASE_TYPES)
    assert page.selected_type == "request" and "{{responseUrl}}" in page.body and page.has_preview
    assert "<script" not in page.preview_html and page.test_address == "admin@acme.test"

    page.set_body(page.body + "\n{{fooBar}}")
    audits = count(orchestra, AuditLog)
    await run(page.save())
    assert page.body_error.startswith("{{fooBar}} finns inte") and page.subject_error == ""
    assert count(orchestra, AuditLog) == audits  # nothing saved

    spec = page.insert_variable("firstName")
    assert "{{firstName}}" in str(spec.args) and page.insert_variable("<script>") is None

    page.set_body("Hej {{firstName}}!\n[Svara]({{responseUrl}})")
    await run(page.save())
    assert page.ok_text == "Mallen sparades." and page.body_error == ""
    assert template_admin.get_template(orchestra, "request")["body"].startswith("Hej {{firstName}}!")

    outbox_rows = count(orchestra, Outbox)
    await run(page.send_test())
    assert count(orchestra, Outbox) == outbox_rows + 1 and "admin@acme.test" in page.ok_text

    await page.select_template("reminder_en")
    await run(page.delete())
    assert page.ok_text == "Mallen togs bort." and not page.exists and page.body  # default text offered
    await run(page.create_defaults())
    assert page.ok_text == "Skapade standardmallar: 1." and page.exists and page.missing_total == 0


async def test_page_state_refuses_a_plain_user(admin_page, orchestra):
    page = admin_page("acme-user")
    result = await page.load_templates()
    assert result is not None and not page.loaded and page.groups == []
    page.selected_type, page.subject, page.body = "reminder_en", "x", "y"
    updates = await run(page.save())
    assert updates and updates[0] is not None  # the redirect, before anything is done
    assert template_admin.get_template(orchestra, "reminder_en")["subject"] != "x"
