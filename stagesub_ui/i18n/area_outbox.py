"""Texts of the developer outbox page beyond the main catalogs (HTML preview, SMS segments)."""

SV = {
    "outbox.html_preview": "E-postmeddelandet som mottagaren ser det",
    "outbox.text_version": "Textversion",
    "outbox.segments": "SMS-delar",
}

EN = {
    "outbox.html_preview": "The e-mail as the recipient sees it",
    "outbox.text_version": "Plain-text version",
    "outbox.segments": "SMS segments",
}
