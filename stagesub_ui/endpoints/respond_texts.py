"""Texts of the public response page, Swedish and English (the musician's ``preferredLanguage``).

Kept apart from the staff UI's catalogs (``stagesub_ui/i18n``): this page is read by musicians, not staff.
Both languages have the same keys (tested). ``{name}`` placeholders are filled with ``str.format`` *before*
HTML escaping, so a value can never inject markup.
"""

from __future__ import annotations

LANGUAGES = ("sv", "en")

TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "page.title": "Förfrågan om vikariat",
        "page.title.answered": "Ditt svar",
        "greeting": "Hej {name}!",
        "intro": "{orchestra} undrar om du kan vikariera i projektet nedan.",
        "label.project": "Projekt",
        "label.position": "Stämma",
        "label.start": "Startdatum",
        "label.rehearsals": "Repetitioner",
        "label.concerts": "Konserter",
        "label.deadline": "Svara senast",
        "week": "vecka {week}",
        "at_time": "kl. {time}",
        "timezone.stockholm": "svensk tid",
        "remaining.days": "om {n} dagar",
        "remaining.day": "om 1 dag",
        "remaining.hours": "om {n} timmar",
        "remaining.hour": "om 1 timme",
        "remaining.minutes": "om mindre än en timme",
        "strategy.heading": "Så går tillsättningen till",
        "strategy.sequential": "Vi frågar en musiker i taget, i vår turordning. Nu är det din tur – om du "
                               "tackar nej eller inte svarar i tid går frågan vidare till nästa.",
        "strategy.parallel.one": "Vi söker en musiker och frågar bara dig just nu. Tackar du ja är platsen din.",
        "strategy.parallel.many": "Vi söker {n} musiker och frågar lika många samtidigt, en per plats. "
                                  "Tackar du ja före svarstiden är platsen din.",
        "strategy.first_come.one": "Frågan har gått till flera musiker samtidigt. Den första som tackar ja "
                                   "får uppdraget.",
        "strategy.first_come.many": "Frågan har gått till flera musiker samtidigt. De {n} första som tackar ja "
                                    "får uppdraget.",
        "strategy.other": "Vi hör av oss så snart tillsättningen är klar.",
        "question": "Kan du ta det här uppdraget?",
        "button.accept": "Ja, jag kan",
        "button.decline": "Nej, jag kan inte",
        "hint.once": "Ditt svar registreras direkt när du trycker på en knapp.",
        "hint.contact": "Frågor? Kontakta {orchestra}.",
        "outcome.accepted.title": "Tack – du har tackat ja!",
        "outcome.accepted.body": "Ditt ja är registrerat. Du får en bekräftelse med mer information via e-post.",
        "outcome.declined.title": "Tack för ditt svar",
        "outcome.declined.body": "Du har tackat nej den här gången. Vi hör av oss vid nästa tillfälle.",
        "outcome.already_answered.title": "Du har redan svarat",
        "outcome.already_answered.body": "Vi har redan fått ditt svar på den här förfrågan. Vill du ändra "
                                         "det, kontakta {orchestra}.",
        "outcome.already_answered.accepted": "Du har tackat ja till uppdraget.",
        "outcome.already_answered.declined": "Du har tackat nej till uppdraget.",
        "outcome.position_filled.title": "Platsen är redan tillsatt",
        "outcome.position_filled.body": "Tack för att du svarade! Andra hann tacka ja före dig, så platsen "
                                        "är redan tillsatt. Vi hör av oss nästa gång.",
        "outcome.expired.title": "Svarstiden har gått ut",
        "outcome.expired.body": "Tiden för att svara på den här förfrågan har passerat, så vi kan inte ta "
                                "emot ditt svar här. Kontakta {orchestra} om du fortfarande kan.",
        "outcome.cancelled.title": "Förfrågan är avbruten",
        "outcome.cancelled.body": "{orchestra} har avbrutit den här förfrågan. Du behöver inte göra något.",
        "outcome.invalid_token.title": "Länken fungerar inte",
        "outcome.invalid_token.body": "Vi hittar ingen förfrågan för den här länken. Kontrollera att du "
                                      "använt hela länken från meddelandet, eller kontakta orkestern.",
        "problem.bad_answer.title": "Svaret kunde inte läsas",
        "problem.bad_answer.body": "Välj en av knapparna: ja eller nej.",
        "problem.bad_answer.message": "Svaret måste vara accept eller decline.",
        "problem.cross_site.title": "Svaret kom från fel webbplats",
        "problem.cross_site.body": "Av säkerhetsskäl tar vi bara emot svar från den här sidan. Öppna länken i "
                                 "ditt meddelande igen och svara där.",
        "problem.cross_site.message": "Svar tas bara emot från orkesterns egen sida.",
        "problem.unavailable.title": "Sidan är inte tillgänglig just nu",
        "problem.unavailable.body": "Något gick fel hos oss. Försök igen om en stund.",
        "problem.unavailable.message": "Tillfälligt fel, försök igen senare.",
        "footer": "Skickat via StageSub",
    },
    "en": {
        "page.title": "Request to play as a substitute",
        "page.title.answered": "Your answer",
        "greeting": "Hello {name}!",
        "intro": "{orchestra} would like to know whether you can play as a substitute in the project below.",
        "label.project": "Project",
        "label.position": "Position",
        "label.start": "Starts",
        "label.rehearsals": "Rehearsals",
        "label.concerts": "Concerts",
        "label.deadline": "Please answer by",
        "week": "week {week}",
        "at_time": "at {time}",
        "timezone.stockholm": "Swedish time",
        "remaining.days": "in {n} days",
        "remaining.day": "in 1 day",
        "remaining.hours": "in {n} hours",
        "remaining.hour": "in 1 hour",
        "remaining.minutes": "in less than an hour",
        "strategy.heading": "How the place is filled",
        "strategy.sequential": "We ask one musician at a time, in the order of our list. It is your turn now – "
                               "if you decline or do not answer in time, we ask the next person.",
        "strategy.parallel.one": "We need one musician and are asking only you right now. If you say yes, the "
                                 "place is yours.",
        "strategy.parallel.many": "We need {n} musicians and are asking as many at the same time, one per "
                                  "place. If you say yes before the deadline, the place is yours.",
        "strategy.first_come.one": "This request went to several musicians at once. The first one to say yes "
                                   "gets the job.",
        "strategy.first_come.many": "This request went to several musicians at once. The first {n} who say yes "
                                    "get the job.",
        "strategy.other": "We will let you know as soon as the places are filled.",
        "question": "Can you take this job?",
        "button.accept": "Yes, I can",
        "button.decline": "No, I can't",
        "hint.once": "Your answer is recorded as soon as you press a button.",
        "hint.contact": "Questions? Contact {orchestra}.",
        "outcome.accepted.title": "Thank you – you said yes!",
        "outcome.accepted.body": "Your yes is recorded. A confirmation with more details will follow by e-mail.",
        "outcome.declined.title": "Thank you for answering",
        "outcome.declined.body": "You have declined this time. We will be in touch next time.",
        "outcome.already_answered.title": "You have already answered",
        "outcome.already_answered.body": "We already have your answer to this request. To change it, please "
                                         "contact {orchestra}.",
        "outcome.already_answered.accepted": "You accepted the job.",
        "outcome.already_answered.declined": "You declined the job.",
        "outcome.position_filled.title": "The place has been filled",
        "outcome.position_filled.body": "Thank you for answering! Others said yes before you, so the place is "
                                        "already taken. We will ask you again another time.",
        "outcome.expired.title": "The time to answer has run out",
        "outcome.expired.body": "The deadline for this request has passed, so we cannot take your answer here. "
                                "Please contact {orchestra} if you are still available.",
        "outcome.cancelled.title": "This request has been cancelled",
        "outcome.cancelled.body": "{orchestra} has cancelled this request. You do not need to do anything.",
        "outcome.invalid_token.title": "This link does not work",
        "outcome.invalid_token.body": "We cannot find a request for this link. Check that you used the whole "
                                      "link from the message, or contact the orchestra.",
        "problem.bad_answer.title": "We could not read your answer",
        "problem.bad_answer.body": "Please choose one of the buttons: yes or no.",
        "problem.bad_answer.message": "The answer must be accept or decline.",
        "problem.cross_site.title": "The answer came from another website",
        "problem.cross_site.body": "For your safety we only take answers from this page. Open the link in your "
                                 "message again and answer there.",
        "problem.cross_site.message": "Answers are only accepted from the orchestra's own page.",
        "problem.unavailable.title": "This page is not available right now",
        "problem.unavailable.body": "Something went wrong on our side. Please try again in a little while.",
        "problem.unavailable.message": "Temporary error, please try again later.",
        "footer": "Sent with StageSub",
    },
}

MONTHS = {
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
WEEKDAYS = {
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def language(value: str | None) -> str:
    """``en`` for English, else Swedish (the default)."""
    text = (value or "").strip().lower()
    return "en" if text == "en" or text.startswith("en-") or text.startswith("en_") else "sv"


def text(lang: str, key: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (Swedish when missing), with ``{placeholders}`` filled."""
    catalog = TEXTS.get(lang) or TEXTS["sv"]
    template = catalog.get(key) or TEXTS["sv"].get(key) or key
    return template.format(**values) if values else template
