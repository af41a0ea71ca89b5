"""Texts of a project's custom ranking lists page (``stagesub_ui/pages/custom_lists.py``), of its link on the
project page, and of the custom list services' errors. Placeholders in braces are filled by the state."""

from __future__ import annotations

SV = {
    "custom_lists.title": "Anpassade listor",
    "custom_lists.open_button": "Anpassade listor",
    "custom_lists.week": "vecka",
    "custom_lists.intro": "En anpassad lista är en rankningslista för en tjänst i just det här projektet. Ett behov "
                          "i projektet kan använda den i stället för A-, B- eller C-listan.",
    # The table of the project's lists.
    "custom_lists.lists_heading": "Projektets anpassade listor",
    "custom_lists.no_lists": "Projektet har inga anpassade listor ännu. Bygg en nedan.",
    "custom_lists.position": "Tjänst",
    "custom_lists.name": "Lista",
    "custom_lists.musicians": "Musiker",
    "custom_lists.used_by": "Används av behov",
    "custom_lists.actions": "Åtgärder",
    "custom_lists.edit": "Redigera",
    "custom_lists.edit_label": "Redigera listan för",
    "custom_lists.delete": "Ta bort",
    "custom_lists.delete_label": "Ta bort listan för",
    "custom_lists.delete_blocked": "Listan används av ett behov och kan inte tas bort.",
    "custom_lists.delete_title": "Ta bort listan?",
    "custom_lists.delete_text": "tas bort. Det går inte att ångra. Ett avbrutet behov som använde listan men aldrig "
                                "skickade några förfrågningar tas bort med den.",
    "custom_lists.delete_confirm": "Ta bort listan",
    # The builder.
    "custom_lists.builder_heading": "Bygg eller ändra en lista",
    "custom_lists.builder_intro": "Välj instrument och tjänst. Finns det redan en lista för tjänsten öppnas den. "
                                  "Ändringarna sparas först när du trycker på Spara; byter du tjänst försvinner "
                                  "osparade ändringar.",
    "custom_lists.choose_instrument": "Välj instrument",
    "custom_lists.choose_position": "Välj tjänst",
    "custom_lists.new_list": "Ny lista:",
    "custom_lists.editing": "Redigerar:",
    "custom_lists.used_by_note": "Listan används av behovet",
    "custom_lists.pool_heading": "Kvalificerade musiker",
    "custom_lists.pool_intro": "Aktiva musiker med behörighet för tjänsten. De läggs till sist i listan.",
    "custom_lists.search_placeholder": "Namn eller e-post",
    "custom_lists.pool_empty": "Ingen aktiv musiker har behörighet för tjänsten.",
    "custom_lists.pool_all_added": "Alla kvalificerade musiker finns redan på listan.",
    "custom_lists.add": "Lägg till",
    "custom_lists.sources_heading": "Kopiera från en lista",
    "custom_lists.sources_intro": "Ersätter listan med den valda listans ordning. Inaktiva musiker och musiker som "
                                  "inte längre har behörighet tas inte med.",
    "custom_lists.no_sources": "Tjänsten har inga listor att kopiera från.",
    "custom_lists.skipped": "tas inte med",
    "custom_lists.copy": "Kopiera ordningen",
    "custom_lists.copy_label": "Kopiera ordningen från",
    "custom_lists.list_heading": "Listan",
    "custom_lists.list_empty": "Listan är tom. Lägg till musiker eller kopiera ordningen från en annan lista.",
    "custom_lists.clear": "Töm",
    "custom_lists.remove_label": "Ta bort från listan:",
    "custom_lists.save": "Spara listan",
    "custom_lists.undo": "Ångra ändringar",
    "custom_lists.unsaved": "Osparade ändringar",
    # Said to screen readers, and notices.
    "custom_lists.added": "{name} lades till på plats {rank}.",
    "custom_lists.removed": "{name} togs bort från listan.",
    "custom_lists.moved": "{name} flyttades till plats {rank}.",
    "custom_lists.copied": "Listan fick ordningen från den valda listan: {count} musiker.",
    "custom_lists.copied_skipped": "{count} musiker på den listan togs inte med (inaktiva eller utan behörighet).",
    "custom_lists.cleared": "Listan tömdes.",
    "custom_lists.created": "Listan {name} sparades.",
    "custom_lists.saved_order": "Ordningen i {name} sparades.",
    "custom_lists.deleted": "Listan {name} togs bort.",
    "custom_lists.conflict": "Listan ändrades av någon annan medan du arbetade – den har laddats om och dina "
                             "ändringar sparades inte. Gör dem igen om de behövs.",
    # Errors of services.custom_lists and of the custom list rules in services.projects.
    "custom_lists.error.empty_list": "Listan är tom. Lägg till minst en musiker innan du sparar.",
    "custom_lists.error.invalid_order": "Bara musiker som är kvalificerade för tjänsten och inte arkiverade kan "
                                        "stå på listan, var och en en gång. Ladda om och försök igen.",
    "custom_lists.error.custom_list_exists": "Projektet har redan en lista för tjänsten.",
    "custom_lists.error.custom_list_in_use": "Listan används av ett behov i projektet. Avbryt behovet först om "
                                             "listan ska tas bort.",
    "custom_lists.error.custom_list_has_history": "Ett avbrutet behov har skickat förfrågningar från listan. "
                                                  "Den sparas som en del av behovets historik.",
    "custom_lists.error.custom_list_not_found": "Listan finns inte längre. Ladda om sidan.",
    "custom_lists.error.list_changed": "Listan ändrades av någon annan – den har laddats om.",
    "custom_lists.error.concurrent_change": "Listan ändrades av någon annan – den har laddats om.",
    "custom_lists.error.position_not_found": "Tjänsten finns inte längre. Ladda om sidan.",
    "custom_lists.error.unknown_position": "Tjänsten finns inte längre. Ladda om sidan.",
    "custom_lists.error.invalid_custom_list": "Välj en tjänst först.",
}

EN = {
    "custom_lists.title": "Custom lists",
    "custom_lists.open_button": "Custom lists",
    "custom_lists.week": "week",
    "custom_lists.intro": "A custom list is a ranking list for one position in this project only. A need of the "
                          "project can use it instead of the A, B or C list.",
    "custom_lists.lists_heading": "The project's custom lists",
    "custom_lists.no_lists": "The project has no custom lists yet. Build one below.",
    "custom_lists.position": "Position",
    "custom_lists.name": "List",
    "custom_lists.musicians": "Musicians",
    "custom_lists.used_by": "Used by need",
    "custom_lists.actions": "Actions",
    "custom_lists.edit": "Edit",
    "custom_lists.edit_label": "Edit the list for",
    "custom_lists.delete": "Delete",
    "custom_lists.delete_label": "Delete the list for",
    "custom_lists.delete_blocked": "A need uses the list, so it cannot be deleted.",
    "custom_lists.delete_title": "Delete the list?",
    "custom_lists.delete_text": "will be deleted. This cannot be undone. A cancelled need that used the list but "
                                "never sent any requests is deleted with it.",
    "custom_lists.delete_confirm": "Delete the list",
    "custom_lists.builder_heading": "Build or change a list",
    "custom_lists.builder_intro": "Choose an instrument and a position. If the position already has a list, it "
                                  "opens. Changes are saved only when you press Save; switching to another "
                                  "position drops unsaved changes.",
    "custom_lists.choose_instrument": "Choose an instrument",
    "custom_lists.choose_position": "Choose a position",
    "custom_lists.new_list": "New list:",
    "custom_lists.editing": "Editing:",
    "custom_lists.used_by_note": "The list is used by the need",
    "custom_lists.pool_heading": "Qualified musicians",
    "custom_lists.pool_intro": "Active musicians qualified for the position. They are added at the end of the list.",
    "custom_lists.search_placeholder": "Name or e-mail",
    "custom_lists.pool_empty": "No active musician is qualified for the position.",
    "custom_lists.pool_all_added": "Every qualified musician is already on the list.",
    "custom_lists.add": "Add",
    "custom_lists.sources_heading": "Copy from a list",
    "custom_lists.sources_intro": "Replaces the list with the chosen list's order. Inactive musicians and musicians "
                                  "no longer qualified are left out.",
    "custom_lists.no_sources": "The position has no lists to copy from.",
    "custom_lists.skipped": "left out",
    "custom_lists.copy": "Copy the order",
    "custom_lists.copy_label": "Copy the order of",
    "custom_lists.list_heading": "The list",
    "custom_lists.list_empty": "The list is empty. Add musicians or copy the order of another list.",
    "custom_lists.clear": "Empty",
    "custom_lists.remove_label": "Remove from the list:",
    "custom_lists.save": "Save the list",
    "custom_lists.undo": "Undo changes",
    "custom_lists.unsaved": "Unsaved changes",
    "custom_lists.added": "{name} was added at place {rank}.",
    "custom_lists.removed": "{name} was removed from the list.",
    "custom_lists.moved": "{name} was moved to place {rank}.",
    "custom_lists.copied": "The list now has the order of the chosen list: {count} musicians.",
    "custom_lists.copied_skipped": "{count} musicians of that list were left out (inactive or not qualified).",
    "custom_lists.cleared": "The list was emptied.",
    "custom_lists.created": "The list {name} was saved.",
    "custom_lists.saved_order": "The order of {name} was saved.",
    "custom_lists.deleted": "The list {name} was deleted.",
    "custom_lists.conflict": "Someone else changed the list while you were working – it has been reloaded and your "
                             "changes were not saved. Make them again if they are still needed.",
    "custom_lists.error.empty_list": "The list is empty. Add at least one musician before saving.",
    "custom_lists.error.invalid_order": "Only musicians qualified for the position and not archived can be on the "
                                        "list, each once. Reload and try again.",
    "custom_lists.error.custom_list_exists": "The project already has a list for the position.",
    "custom_lists.error.custom_list_in_use": "A need of the project uses the list. Cancel the need first if the "
                                             "list is to be deleted.",
    "custom_lists.error.custom_list_has_history": "A cancelled need sent requests from the list. It is kept as part "
                                                  "of the need's history.",
    "custom_lists.error.custom_list_not_found": "The list no longer exists. Reload the page.",
    "custom_lists.error.list_changed": "Someone else changed the list – it has been reloaded.",
    "custom_lists.error.concurrent_change": "Someone else changed the list – it has been reloaded.",
    "custom_lists.error.position_not_found": "The position no longer exists. Reload the page.",
    "custom_lists.error.unknown_position": "The position no longer exists. Reload the page.",
    "custom_lists.error.invalid_custom_list": "Choose a position first.",
}
