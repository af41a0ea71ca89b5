"""A project's custom lists page in Chromium against the real app (demo orchestra "acme", project "Mahler 5").

Journey: from the project page to its custom lists; an empty list cannot be saved; for Violin / Tutti violin 1
copy the A list's order, move one with the keyboard, remove one, add one found by searching the pool, save;
the stored order is checked through the services. The list is then offered by the need form on the project
page and used by a new need, after which it cannot be deleted. A second list (viola, ordered by drag and
drop) is deleted after a confirmation. A list saved as a template in one project (its name required) is offered
for the same position in another project, whose new list copies its order.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LOGIN_URL_RE, acme_services
from tests.e2e.test_login_shell import log_in
from tests.e2e.test_rankings_page import choose, position_id

pytestmark = pytest.mark.e2e

LOAD_MS = 20_000


def mahler(server) -> tuple[str, int]:
    """The id and week of the demo project "Mahler 5"."""
    from sqlmodel import select

    from models.orchestra import Project
    from services import tenancy

    with acme_services(server) as ref, tenancy.orchestra_session(ref) as session:
        project = session.exec(select(Project).where(Project.name == "Mahler 5")).one()
        return project.projectId, project.weekNumber


def builder(server, project_id: str, position: str) -> dict:
    from services import custom_lists

    with acme_services(server) as ref:
        return custom_lists.position_builder(ref, project_id, position)


def stored_lists(server, project_id: str) -> dict[str, list[str]]:
    """positionId → the stored order (musician ids) of the project's custom list for it."""
    from services import projects

    with acme_services(server) as ref:
        return {item["positionId"]: item["musicians"] for item in projects.list_custom_lists(ref, project_id)}


def names_of(view: dict, musician_ids: list[str]) -> list[str]:
    names = {m["musicianId"]: m["name"] for m in view["pool"]}
    return [names[m] for m in musician_ids]


def test_build_a_list_use_it_in_a_need_and_delete_another(page, server):
    project_id, week = mahler(server)
    violin = position_id(server, "Violin", "Tutti violin 1")
    viola = position_id(server, "Viola", "Stämledare")
    before = builder(server, project_id, violin)
    assert before["list"] is None
    a_source = next(s for s in before["sources"] if s["name"] == "A")
    a_names = names_of(before, a_source["musicianIds"])
    assert len(a_names) >= 3
    not_on_a = [m for m in before["pool"] if m["musicianId"] not in a_source["musicianIds"]]
    assert not_on_a, "the demo pool should hold a violinist who is not on the A list"
    list_name = f"V. {week} Mahler 5"

    log_in(page, server, "acme-user")
    expect(page).not_to_have_url(LOGIN_URL_RE, timeout=LOAD_MS)
    page.goto(server.url(f"/projects/{project_id}", "acme"))
    expect(page.locator("h1")).to_have_text("Mahler 5", timeout=LOAD_MS)
    page.get_by_test_id("custom-lists-link").click()
    expect(page).to_have_url(re.compile(rf".*/projects/{project_id}/lists/?$"))
    expect(page.locator("h1")).to_have_text("Anpassade listor", timeout=LOAD_MS)
    expect(page.get_by_test_id("project-name")).to_have_text(f"Mahler 5 · vecka {week}")
    expect(page.get_by_test_id("lists-empty")).to_be_visible()

    # Choose the position: a new list, with the position's A/B/C lists to copy from.
    choose(page, "custom-instrument", "Violin")
    choose(page, "custom-position", "Tutti violin 1")
    expect(page.get_by_test_id("builder-heading")).to_have_text(f"Ny lista: {list_name}")
    expect(page.get_by_test_id("source-name")).to_have_text(["A-lista", "B-lista", "C-lista"])
    expect(page.get_by_test_id("rank-list-empty")).to_be_visible()

    # An empty list cannot be saved, and says so.
    page.locator("#save-list").click()
    expect(page.get_by_test_id("custom-lists-error")).to_have_text(
        "Listan är tom. Lägg till minst en musiker innan du sparar.")
    assert stored_lists(server, project_id) == {}

    # Copy the A list's order.
    page.get_by_role("button", name="Kopiera ordningen från A-lista").click()
    expect(page.get_by_test_id("rank-name")).to_have_text(a_names)
    expect(page.get_by_test_id("rank-number")).to_have_text([f"{n}." for n in range(1, len(a_names) + 1)])
    expect(page.get_by_test_id("save-status")).to_have_text("Osparade ändringar")
    expect(page.get_by_test_id("custom-lists-error")).to_have_count(0)

    # Move the first one down with the keyboard: the focus stays on the moved musician's button.
    first = a_names[0]
    page.get_by_role("button", name=f"Flytta ner {first}").focus()
    page.keyboard.press("Enter")
    expected = [a_names[1], first, *a_names[2:]]
    expect(page.get_by_test_id("rank-name")).to_have_text(expected)
    expect(page.get_by_role("button", name=f"Flytta ner {first}")).to_be_focused()
    expect(page.get_by_role("button", name=f"Flytta upp {a_names[1]}")).to_be_disabled()

    # Remove the (new) third one: it goes back to the pool.
    removed = expected[2]
    page.get_by_role("button", name=f"Ta bort från listan: {removed}").click()
    expected = [name for name in expected if name != removed]
    expect(page.get_by_test_id("rank-name")).to_have_text(expected)
    pool = page.get_by_test_id("pool-row")
    expect(pool.filter(has_text=removed)).to_have_count(1)

    # Search the pool as you type and add one who is not on the A list: it goes last.
    extra = not_on_a[0]
    page.get_by_label("Sök i poolen").fill(extra["email"][:-3])
    expect(pool).to_have_count(1)
    expect(pool.first).to_contain_text(extra["name"])
    page.get_by_role("button", name=f"Lägg till {extra['name']}").click()
    expected = [*expected, extra["name"]]
    expect(page.get_by_test_id("rank-name")).to_have_text(expected)
    expect(pool).to_have_count(0)
    page.get_by_label("Sök i poolen").fill("")

    # Save: created, shown in the table, stored in that order.
    page.locator("#save-list").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    expect(page.get_by_test_id("builder-heading")).to_have_text(f"Redigerar: {list_name}")
    row = page.get_by_test_id("custom-list-row").filter(has_text="Tutti violin 1")
    expect(row).to_contain_text(list_name)
    expect(row.get_by_role("cell").nth(1)).to_have_text(str(len(expected)))
    by_name = {m["name"]: m["musicianId"] for m in before["pool"]}
    assert stored_lists(server, project_id) == {violin: [by_name[name] for name in expected]}
    page.reload()
    expect(page.get_by_test_id("rank-name")).to_have_text(expected, timeout=LOAD_MS)

    # The need form on the project page offers the list; a need uses it.
    page.get_by_test_id("project-link").click()
    expect(page.locator("h1")).to_have_text("Mahler 5", timeout=LOAD_MS)
    page.get_by_role("button", name="Lägg till behov").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#need-positionId").select_option(violin)
    custom_option = dialog.locator("#need-list option").filter(has_text=list_name)
    expect(custom_option).to_have_text(f"{list_name} ({len(expected)} musiker)")
    dialog.locator("#need-list").select_option(custom_option.get_attribute("value"))
    dialog.locator("#need-requestStrategy").select_option("sequential")
    dialog.locator("#need-quantity").fill("1")
    dialog.get_by_role("button", name="Lägg till behov").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    from services import projects

    with acme_services(server) as ref:
        custom_id = projects.list_custom_lists(ref, project_id)[0]["customListId"]
        users = [n for n in projects.get_project(ref, project_id)["needs"] if n.get("customListId") == custom_id]
    assert len(users) == 1
    need_id = users[0]["projectNeedId"]

    # Back on the lists page: the list is in use and cannot be deleted.
    page.get_by_test_id("custom-lists-link").click()
    expect(page.locator("h1")).to_have_text("Anpassade listor", timeout=LOAD_MS)
    row = page.get_by_test_id("custom-list-row").filter(has_text="Tutti violin 1")
    expect(row.get_by_role("cell").nth(2)).to_have_text(need_id)
    expect(row.get_by_test_id("delete-list")).to_be_disabled()

    # A second list, for the viola leader: copy the A list, reorder by drag and drop, save.
    viola_view = builder(server, project_id, viola)
    viola_a = next(s for s in viola_view["sources"] if s["name"] == "A")
    viola_names = names_of(viola_view, viola_a["musicianIds"])
    choose(page, "custom-instrument", "Viola")
    choose(page, "custom-position", "Stämledare")
    expect(page.get_by_test_id("builder-heading")).to_have_text(f"Ny lista: {list_name}")
    page.get_by_role("button", name="Kopiera ordningen från A-lista").click()
    expect(page.get_by_test_id("rank-name")).to_have_text(viola_names)
    if len(viola_names) >= 2:
        rows = page.get_by_test_id("rank-row")
        rows.nth(1).drag_to(rows.nth(0))
        viola_names = [viola_names[1], viola_names[0], *viola_names[2:]]
        expect(page.get_by_test_id("rank-name")).to_have_text(viola_names)
    page.locator("#save-list").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    expect(page.get_by_test_id("custom-list-row")).to_have_count(2)
    viola_ids = {m["name"]: m["musicianId"] for m in viola_view["pool"]}
    assert stored_lists(server, project_id)[viola] == [viola_ids[name] for name in viola_names]

    # Delete it: cancel first (nothing happens), then confirm.
    viola_row = page.get_by_test_id("custom-list-row").filter(has_text="Stämledare")
    viola_row.get_by_test_id("delete-list").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Ta bort listan?")
    confirm.get_by_role("button", name="Avbryt").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_test_id("custom-list-row")).to_have_count(2)
    viola_row.get_by_test_id("delete-list").click()
    page.get_by_role("alertdialog").get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("custom-list-row")).to_have_count(1)
    expect(page.get_by_test_id("custom-lists-notice")).to_have_text(f"Listan {list_name} togs bort.")
    expect(page.get_by_test_id("builder-heading")).to_have_text(f"Ny lista: {list_name}")  # it was open
    assert set(stored_lists(server, project_id)) == {violin}


def test_unknown_project_shows_not_found(page, server):
    log_in(page, server, "acme-admin")
    expect(page).not_to_have_url(LOGIN_URL_RE, timeout=LOAD_MS)
    page.goto(server.url("/projects/PROJ999/lists", "acme"))
    expect(page.get_by_test_id("project-not-found")).to_be_visible(timeout=LOAD_MS)


def test_a_list_saved_as_a_template_is_copied_in_another_project(page, server):
    from services import projects

    with acme_services(server) as ref:
        source_project = projects.create_project(ref, {"name": "Vårturné", "startDate": "2031-04-07"})["projectId"]
        target_project = projects.create_project(ref, {"name": "Höstgala", "startDate": "2031-10-13"})["projectId"]
    violin2 = position_id(server, "Violin", "Tutti violin 2")
    pool = builder(server, source_project, violin2)["pool"]
    assert len(pool) >= 2, "the demo roster should hold two players qualified for Tutti violin 2"
    chosen = [pool[1]["name"], pool[0]["name"]]

    log_in(page, server, "acme-user")
    expect(page).not_to_have_url(LOGIN_URL_RE, timeout=LOAD_MS)
    page.goto(server.url(f"/projects/{source_project}/lists?position={violin2}", "acme"))
    expect(page.get_by_test_id("builder-heading")).to_have_text(re.compile(r"^Ny lista: V\. 15 Vårturné"),
                                                                timeout=LOAD_MS)
    for name in chosen:
        page.get_by_role("button", name=f"Lägg till {name}").click()
    expect(page.get_by_test_id("rank-name")).to_have_text(chosen)

    # Ticked without a name: the reason is shown at the field, nothing is written.
    page.get_by_role("checkbox", name="Spara även som mall").click()
    name_field = page.get_by_label("Mallens namn")
    expect(name_field).to_be_focused()
    page.locator("#save-list").click()
    expect(page.locator("#template-name-error")).to_have_text(re.compile(r"^Ge mallen ett namn"))
    expect(name_field).to_have_attribute("aria-invalid", "true")
    assert stored_lists(server, source_project) == {}

    name_field.fill("Stråkmall vår")
    expect(page.locator("#template-name-error")).to_have_count(0)
    page.locator("#save-list").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    expect(page.get_by_test_id("template-badge")).to_have_text("Mall: Stråkmall vår")
    with acme_services(server) as ref:
        saved = projects.list_custom_lists(ref, source_project)
    assert [(c["templateName"], c["positionId"]) for c in saved] == [("Stråkmall vår", violin2)]

    # Another project: the template is offered for the same position, and its order is copied.
    page.goto(server.url(f"/projects/{target_project}/lists?position={violin2}", "acme"))
    expect(page.get_by_test_id("builder-heading")).to_have_text(re.compile(r"^Ny lista: V\. 42 Höstgala"),
                                                                timeout=LOAD_MS)
    template = page.get_by_test_id("source-row").filter(has_text="Stråkmall vår")
    expect(template.get_by_test_id("source-project")).to_have_text("mall från Vårturné")
    expect(page.get_by_role("checkbox", name="Spara även som mall")).not_to_be_checked()
    page.get_by_role("button", name="Kopiera ordningen från Stråkmall vår").click()
    expect(page.get_by_test_id("rank-name")).to_have_text(chosen)
    page.locator("#save-list").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Sparat")
    expect(page.get_by_test_id("template-badge")).to_have_count(0)
    assert stored_lists(server, target_project) == stored_lists(server, source_project)
