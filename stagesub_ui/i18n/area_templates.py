"""Texts of the e-mail templates page (``stagesub_ui/pages/templates.py``) and of the template service's errors.

``templates.problem.*`` texts take ``%(name)s``, ``%(allowed)s``, ``%(limit)s`` and ``%(near)s`` (percent
formatting, so the ``{{…}}`` in them stay literal).
"""

from __future__ import annotations

SV = {
    "templates.title": "E-postmallar",
    "templates.intro": "Mallarna för de e-postmeddelanden som skickas till musikerna, på svenska och engelska. "
                       "Musikern får mallen på sitt språk; saknas den engelska används den svenska.",
    "templates.create_defaults": "Skapa saknade standardmallar",
    "templates.defaults_created": "Skapade standardmallar: %(count)s.",
    "templates.defaults_none": "Alla mallar finns redan.",
    "templates.missing": "Mall saknas",
    "templates.missing_count": "saknas",
    "templates.list_heading": "Mallar",
    "templates.type.request": "Förfrågan",
    "templates.type.reminder": "Påminnelse",
    "templates.type.confirmation": "Bekräftelse",
    "templates.type.position_filled": "Platsen tillsatt",
    "templates.type.group_email": "Gruppmejl",
    "templates.language.sv": "Svenska",
    "templates.language.en": "Engelska",
    "templates.edit": "Redigera",
    "templates.create": "Skapa",
    "templates.editor_heading": "Redigera mall",
    "templates.new_hint": "Mallen finns inte ännu. Texten nedan är standardmallen; spara för att skapa den.",
    "templates.subject": "Ämne",
    "templates.body": "Meddelande",
    "templates.body_hint": "Varje rad blir ett stycke. Länkar skrivs [text](https://…); "
                           "[text]({{responseUrl}}) blir en knapp.",
    "templates.variables": "Variabler",
    "templates.variables_hint": "Klicka för att infoga i fältet du senast skrev i. Äldre namn som "
                                "{{musician_name}} och {{project_name}} fungerar också.",
    "templates.insert": "Infoga",
    "templates.save": "Spara mallen",
    "templates.saved": "Mallen sparades.",
    "templates.preview": "Förhandsgranska",
    "templates.preview_heading": "Förhandsgranskning",
    "templates.preview_intro": "Med exempeluppgifter: en påhittad musiker, projekt och svarslänk. "
                               "Inget sparas eller skickas.",
    "templates.preview_stale": "Du har ändrat texten sedan förhandsgranskningen. Klicka på Förhandsgranska igen.",
    "templates.preview_subject": "Ämne:",
    "templates.preview_html": "Som e-post",
    "templates.preview_text": "Ren text",
    "templates.preview_frame": "Förhandsgranskning av e-postmeddelandet",
    "templates.send_test": "Skicka testmejl till mig",
    "templates.test_queued": "Ett testmejl skickas till %(address)s inom en minut.",
    "templates.test_to": "Testmejlet går till din egen adress:",
    "templates.delete": "Ta bort",
    "templates.delete_title": "Ta bort mallen?",
    "templates.delete_text": "Den engelska mallen tas bort. Musiker som vill ha engelska får då den svenska "
                             "mallen.",
    "templates.deleted": "Mallen togs bort.",
    "templates.required_hint": "Den svenska mallen kan inte tas bort: alla utskick av den här typen använder den "
                               "när ingen annan finns.",
    "templates.problem.required": "Fältet får inte vara tomt.",
    "templates.problem.too_long": "Högst %(limit)s tecken.",
    "templates.problem.single_line": "Ämnet måste vara en enda rad.",
    "templates.problem.unknown_variable": "{{%(name)s}} finns inte för den här malltypen. Tillåtna: %(allowed)s.",
    "templates.problem.single_braces": "{%(name)s} har enkla klammerparenteser och ersätts aldrig: "
                                       "skriv {{%(name)s}}.",
    "templates.problem.bad_braces": "Klammerparenteserna går inte ihop nära ”%(near)s”. Variabler skrivs "
                                    "{{namn}}.",
    "templates.error.invalid_template": "Mallen innehåller fel. Se markeringarna vid fälten.",
    "templates.error.template_missing": "Mallen finns inte.",
    "templates.error.template_required": "Den svenska mallen kan inte tas bort.",
    "templates.error.unknown_template_type": "Okänd malltyp.",
    "templates.error.invalid_email": "E-postadressen är inte giltig.",
}

EN = {
    "templates.title": "E-mail templates",
    "templates.intro": "The templates of the e-mails sent to musicians, in Swedish and English. Each musician "
                       "gets the template in their language; without an English one the Swedish one is used.",
    "templates.create_defaults": "Create missing default templates",
    "templates.defaults_created": "Default templates created: %(count)s.",
    "templates.defaults_none": "All templates already exist.",
    "templates.missing": "Template missing",
    "templates.missing_count": "missing",
    "templates.list_heading": "Templates",
    "templates.type.request": "Request",
    "templates.type.reminder": "Reminder",
    "templates.type.confirmation": "Confirmation",
    "templates.type.position_filled": "Position filled",
    "templates.type.group_email": "Group e-mail",
    "templates.language.sv": "Swedish",
    "templates.language.en": "English",
    "templates.edit": "Edit",
    "templates.create": "Create",
    "templates.editor_heading": "Edit template",
    "templates.new_hint": "This template does not exist yet. The text below is the default; save to create it.",
    "templates.subject": "Subject",
    "templates.body": "Message",
    "templates.body_hint": "Each line becomes a paragraph. Links are written [text](https://…); "
                           "[text]({{responseUrl}}) becomes a button.",
    "templates.variables": "Variables",
    "templates.variables_hint": "Click to insert into the field you last typed in. Older names such as "
                                "{{musician_name}} and {{project_name}} work too.",
    "templates.insert": "Insert",
    "templates.save": "Save template",
    "templates.saved": "The template was saved.",
    "templates.preview": "Preview",
    "templates.preview_heading": "Preview",
    "templates.preview_intro": "With sample data: a made-up musician, project and response link. Nothing is saved "
                               "or sent.",
    "templates.preview_stale": "You have changed the text since the preview. Click Preview again.",
    "templates.preview_subject": "Subject:",
    "templates.preview_html": "As e-mail",
    "templates.preview_text": "Plain text",
    "templates.preview_frame": "Preview of the e-mail",
    "templates.send_test": "Send a test e-mail to me",
    "templates.test_queued": "A test e-mail will be sent to %(address)s within a minute.",
    "templates.test_to": "The test e-mail goes to your own address:",
    "templates.delete": "Delete",
    "templates.delete_title": "Delete the template?",
    "templates.delete_text": "The English template will be deleted. Musicians who prefer English then get the "
                             "Swedish template.",
    "templates.deleted": "The template was deleted.",
    "templates.required_hint": "The Swedish template cannot be deleted: every message of this type falls back "
                               "to it.",
    "templates.problem.required": "This field must not be empty.",
    "templates.problem.too_long": "At most %(limit)s characters.",
    "templates.problem.single_line": "The subject must be a single line.",
    "templates.problem.unknown_variable": "{{%(name)s}} does not exist for this template type. "
                                          "Allowed: %(allowed)s.",
    "templates.problem.single_braces": "{%(name)s} has single braces and is never replaced: write {{%(name)s}}.",
    "templates.problem.bad_braces": "Unbalanced braces near “%(near)s”. Variables are written {{name}}.",
    "templates.error.invalid_template": "The template has errors. See the notes at the fields.",
    "templates.error.template_missing": "The template does not exist.",
    "templates.error.template_required": "The Swedish template cannot be deleted.",
    "templates.error.unknown_template_type": "Unknown template type.",
    "templates.error.invalid_email": "The e-mail address is not valid.",
}
