"""The musicians pages below the browser: the services they read (search, filters, counts, statistics, history,
profile) and their state handlers, called as the websocket would call them (session cookie, orchestra host)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.orchestra import Musician, Position, Project, ProjectNeed, Request
from services import auth, clock, ids, musicians, provisioning, rankings, tenancy
from services.errors import Conflict, ValidationError
from stagesub_ui import routes
from stagesub_ui.i18n import en, sv

HOST = "acme.localhost:3000"
PASSWORD = "staff-password-2026"
VIOLIN = "POS004"  # Violin – Tutti violin 1 in the seeded catalogue
CELLO = "POS011"


@pytest.fixture
def ref(installation):
    return provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                         contact_email="kansli@acme.test", create_admin=False).orchestra


def new(ref, first, last, **fields) -> dict:
    data = {"firstName": first, "lastName": last, "email": f"{first}.{last}@example.se".lower()} | fields
    return musicians.create_musician(ref, data)


def position_ids(ref) -> dict[str, str]:
    """positionId -> "Instrument – Position" for the seeded catalogue."""
    from services import staff_views

    return {p["positionId"]: f"{i['name']} – {p['name']}"
            for i in staff_views.instruments_for_orchestra(ref.id) for p in i["positions"]}


def ids_of(items: list[dict]) -> list[str]:
    return [m["musicianId"] for m in items]


# ----- search, filters, order ----------------------------------------------------------------------------------


def test_search_matches_names_email_id_and_phone(ref):
    labels = position_ids(ref)
    assert labels[VIOLIN] == "Violin – Tutti violin 1" and labels[CELLO].startswith("Cello – ")
    anna = new(ref, "Anna", "Lind", phone="+46 70-111 22 33", qualifications=[VIOLIN])["musicianId"]
    bo = new(ref, "Bo", "Åberg", email="bo@orkester.se", phone="08-555 12 34")["musicianId"]
    new(ref, "Cia", "Berg", phone="070 999 88 77")

    def found(q: str) -> list[str]:
        return ids_of(musicians.list_musicians(ref, q=q)[0])

    assert found("anna lind") == [anna] and found("ORKESTER") == [bo] and found(anna.lower()) == [anna]
    # Phone: compared on digits, with or without the national 0, in any spelling.
    assert found("0701112233") == [anna] and found("+4670111") == [anna] and found("111-22") == [anna]
    assert found("5551234") == [bo] and found("08-555") == [bo] and found("+46 8 555") == [bo]
    assert found("+46 70 111 22") == [anna] and found("0046 (0)70 111") == [anna] and found("070 111 22 33") == [anna]
    assert found("12345678999") == [] and found("50%") == []
    # A digit inside a name-like word is no phone search.
    assert found("a1") == []


def test_filters_combine_and_position_wins_over_instrument(ref):
    anna = new(ref, "Anna", "Lind", qualifications=[VIOLIN], localResidence=True)["musicianId"]
    bo = new(ref, "Bo", "Ek", qualifications=[CELLO])["musicianId"]
    cia = new(ref, "Cia", "Berg", qualifications=[VIOLIN, CELLO])["musicianId"]
    dan = new(ref, "Dan", "Ahl", qualifications=[VIOLIN])["musicianId"]
    musicians.update_musician(ref, cia, {"isActive": False})
    musicians.archive_musician(ref, dan)
    with tenancy.orchestra_session(ref) as session:
        violin_instrument = session.execute(
            sa.text('SELECT i."instrumentId" FROM "Instrument" i JOIN "Position" p ON p."instrumentId" = i.id '
                    'WHERE p."positionId" = :p'), {"p": VIOLIN}).scalar_one()

    def found(**filters) -> list[str]:
        return ids_of(musicians.list_musicians(ref, **filters)[0])

    assert found() == [dan, cia, bo, anna]  # everyone, by last name: Ahl, Berg, Ek, Lind
    assert found(status="current") == [cia, bo, anna]
    assert found(status="current", instrument_id=violin_instrument) == [cia, anna]
    assert found(status="current", instrument_id=violin_instrument, position_id=CELLO) == [cia, bo]
    assert found(local_residence=True) == [anna] and found(local_residence=False, status="active") == [bo]
    assert found(status="archived", position_id=VIOLIN) == [dan]
    with pytest.raises(ValidationError):
        musicians.list_musicians(ref, sort="random")
    with pytest.raises(ValidationError):
        musicians.list_musicians(ref, status="gone")


def test_swedish_order_newest_first_and_pages(ref):
    for last in ("Öberg", "Zetterberg", "Åberg", "Ängström", "almqvist", "Berg"):
        new(ref, "X", last)
    by_name = musicians.list_musicians(ref)[0]
    assert [m["lastName"] for m in by_name] == ["almqvist", "Berg", "Zetterberg", "Åberg", "Ängström", "Öberg"]
    clock.advance(timedelta(minutes=1))
    newest = new(ref, "Y", "Nyman")["musicianId"]
    assert musicians.list_musicians(ref, sort="newest")[0][0]["musicianId"] == newest
    page, total = musicians.list_musicians(ref, limit=2, offset=2)
    assert total == 7 and [m["lastName"] for m in page] == ["Nyman", "Zetterberg"]
    assert musicians.list_musicians(ref, limit=2, offset=50) == ([], 7)


def test_counts(ref):
    assert musicians.musician_counts(ref) == {"total": 0, "active": 0, "inactive": 0, "archived": 0, "local": 0}
    new(ref, "A", "A", localResidence=True)
    b = new(ref, "B", "B", localResidence=True)["musicianId"]
    c = new(ref, "C", "C")["musicianId"]
    musicians.update_musician(ref, c, {"isActive": False})
    musicians.archive_musician(ref, b)
    assert musicians.musician_counts(ref) == {"total": 2, "active": 1, "inactive": 1, "archived": 1, "local": 1}


# ----- statistics, history, profile -------------------------------------------------------------------------


def add_requests(ref, musician_id: str, rows: list[tuple[str, str, datetime, float | None, str]]) -> None:
    """Requests of one musician: (project name, status, sentAt, hours until the answer or None, position)."""
    with tenancy.orchestra_session(ref) as session:
        musician = session.exec(select(Musician).where(Musician.musicianId == musician_id)).one()
        for name, status, sent, hours, position_id in rows:
            project = session.exec(select(Project).where(Project.name == name)).first()
            if project is None:
                start = sent + timedelta(days=30)
                project = Project(projectId=ids.next_id(session, "project"), name=name, startDate=start,
                                  weekNumber=start.isocalendar().week)
                session.add(project)
                session.flush()
            position = session.exec(select(Position).where(Position.positionId == position_id)).one()
            need = ProjectNeed(projectNeedId=ids.next_id(session, "projectNeed"), projectId=project.id,
                               positionId=position.id, requestStrategy="parallel")
            session.add(need)
            session.flush()
            session.add(Request(requestId=ids.next_id(session, "request"), projectNeedId=need.id,
                                musicianId=musician.id, status=status, sentAt=sent,
                                respondedAt=None if hours is None else sent + timedelta(hours=hours),
                                answeredBy="timeout" if status == "timed_out" else "musician"))
        session.commit()


def test_statistics_and_history_come_from_the_requests(ref):
    anna = new(ref, "Anna", "Lind", qualifications=[VIOLIN, CELLO])["musicianId"]
    empty = musicians.request_statistics(ref, anna)
    assert empty["asked"] == 0 and empty["acceptanceRate"] is None and empty["averageResponseHours"] is None
    y2030, y2031 = datetime(2030, 3, 1, 9, tzinfo=UTC), datetime(2031, 3, 1, 9, tzinfo=UTC)
    add_requests(ref, anna, [
        ("Vårkonsert", "accepted", y2030, 2.0, VIOLIN),
        ("Sommarfest", "declined", y2030 + timedelta(days=90), 5.0, VIOLIN),
        ("Julkonsert", "accepted", y2031, 4.5, CELLO),
        ("Nyår", "timed_out", y2031 + timedelta(days=1), None, VIOLIN),
        ("Påsk", "pending", y2031 + timedelta(days=2), None, VIOLIN),
        ("Höst", "cancelled", y2031 + timedelta(days=3), None, VIOLIN),
    ])
    stats = musicians.request_statistics(ref, anna)
    assert {k: stats[k] for k in ("asked", "accepted", "declined", "timedOut", "pending", "cancelled")} == {
        "asked": 6, "accepted": 2, "declined": 1, "timedOut": 1, "pending": 1, "cancelled": 1}
    assert stats["acceptanceRate"] == 67  # 2 of 3 answers; timed out and cancelled left out
    assert stats["averageResponseHours"] == 3.8  # (2 + 5 + 4.5) / 3
    assert stats["perYear"] == [{"year": 2031, "count": 4}, {"year": 2030, "count": 2}]
    assert stats["topPositions"] == [{"label": "Violin – Tutti violin 1", "count": 5},
                                     {"label": position_ids(ref)[CELLO], "count": 1}]

    history = musicians.project_history(ref, anna)
    assert [h["projectName"] for h in history] == ["Höst", "Påsk", "Nyår", "Julkonsert", "Sommarfest", "Vårkonsert"]
    first = history[-1]
    assert first["status"] == "accepted" and first["position"] == "Violin – Tutti violin 1"
    assert first["respondedAt"] - first["sentAt"] == timedelta(hours=2) and first["weekNumber"] > 0
    # Another musician's requests count for them only.
    assert musicians.request_statistics(ref, new(ref, "Bo", "Ek")["musicianId"])["asked"] == 0


def test_profile_reads_everything_in_one_call(ref):
    anna = new(ref, "Anna", "Lind", qualifications=[CELLO, VIOLIN], notes="Spelar gärna barock")["musicianId"]
    with tenancy.orchestra_session(ref) as session:
        list_id = session.execute(sa.text(
            'SELECT r."rankingListId" FROM "RankingList" r JOIN "Position" p ON p.id = r."positionId" '
            'WHERE p."positionId" = :p AND r."listType" = \'B\''), {"p": VIOLIN}).scalar_one()
    rankings.replace_order(ref, list_id, [anna])
    musicians.add_blockout(ref, anna, "2031-07-01", "2031-07-31", "Semester")
    add_requests(ref, anna, [("Vårkonsert", "declined", datetime(2031, 1, 5, tzinfo=UTC), 1.0, VIOLIN)])
    profile = musicians.musician_profile(ref, anna)
    assert profile["musician"]["notes"] == "Spelar gärna barock"
    assert [(q["instrument"], q["position"]) for q in profile["qualifications"]][0] == ("Violin", "Tutti violin 1")
    assert [b["reason"] for b in profile["blockouts"]] == ["Semester"]
    assert profile["statistics"]["declined"] == 1 and profile["statistics"]["acceptanceRate"] == 0
    assert [h["projectName"] for h in profile["history"]] == ["Vårkonsert"]
    assert profile["rankings"] == [{"rankingListId": list_id, "positionId": VIOLIN,
                                    "position": "Violin – Tutti violin 1", "listType": "B", "rank": 1}]


# ----- the UI state ------------------------------------------------------------------------------------------


@pytest.fixture
def staff(ref):
    auth.create_user(username="acme-user", email="user@acme.test", password=PASSWORD, role="user",
                     orchestra_subdomain="acme")
    token, _ = auth.login("acme-user", PASSWORD, ip="127.0.0.1")
    return f"{auth.SESSION_COOKIE}={token}"


def make_state(state_class, cookie: str, path: str):
    from reflex.istate.data import RouterData
    from reflex.state import State

    root = State()
    root.router = RouterData.from_router_data({
        "headers": {"host": HOST, "origin": f"http://{HOST}", "cookie": cookie},
        "pathname": path, "asPath": path, "query": {},
    })
    return root.get_substate(state_class.get_full_name().split(".")[1:])


async def drain(generator) -> list:
    return [update async for update in generator]


def test_field_errors_of_every_service_message_are_translated(ref):
    from state.musicians import field_error, field_errors

    new(ref, "Karin", "Berg", email="karin@example.se", phone="070-111 22 33")
    with pytest.raises(ValidationError) as invalid:
        musicians.create_musician(ref, {"firstName": "x" * 101, "email": "nope", "phone": "abc",
                                        "preferredLanguage": "de", "qualifications": ["POS999x"]})
    keys, details = field_errors(invalid.value)
    assert keys == {"firstName": "musicians.field.too_long", "lastName": "musicians.field.required",
                    "email": "musicians.field.email", "phone": "musicians.field.phone",
                    "preferredLanguage": "musicians.field.language"}
    assert details["firstName"] == "100"
    with pytest.raises(Conflict) as taken:
        new(ref, "Other", "Person", email="KARIN@example.se")
    assert field_error(taken.value, "email") == ("musicians.field.taken", "Karin Berg (MUS001)")
    with pytest.raises(Conflict) as phone_taken:
        new(ref, "Other", "Person", phone="+46701112233")
    assert field_error(phone_taken.value, "phone") == ("musicians.field.taken", "Karin Berg (MUS001)")
    with pytest.raises(ValidationError) as unknown:
        new(ref, "A", "B", qualifications=["POS999"])
    assert field_error(unknown.value, "qualifications")[0] == "musicians.field.unknown_position"
    blockout_cases = {
        ("2031-02-02", "2031-02-01"): ("endDate", "musicians.field.end_before_start"),
        (None, "2031-02-01"): ("startDate", "musicians.field.required"),
        ("2031-02-01", "soon"): ("endDate", "musicians.field.date"),
        ("2031-01-01", "2035-01-01"): ("endDate", "musicians.field.period_too_long"),
        ("1800-01-01", "2031-01-01"): ("startDate", "musicians.field.date_range"),
    }
    for (start, end), (field, key) in blockout_cases.items():
        with pytest.raises(ValidationError) as bad:
            musicians.add_blockout(ref, "MUS001", start, end)
        assert field_error(bad.value, field)[0] == key, (start, end)
    with pytest.raises(ValidationError) as long_reason:
        musicians.add_blockout(ref, "MUS001", "2031-01-01", "2031-01-02", "x" * 501)
    assert field_error(long_reason.value, "reason") == ("musicians.field.too_long", "500")
    archived = new(ref, "Arkiv", "Ad")["musicianId"]
    musicians.archive_musician(ref, archived)
    with pytest.raises(Conflict) as refused:
        musicians.update_musician(ref, archived, {"isActive": True})
    assert field_error(refused.value, "isActive")[0] == "musicians.field.archived"
    for key in ("musicians.field.too_long", "musicians.field.taken", "musicians.field.invalid"):
        assert key in sv.MESSAGES and key in en.MESSAGES


async def test_roster_state_searches_filters_and_pages(ref, staff):
    from state.musicians import PAGE_SIZE, MusiciansState

    for n in range(PAGE_SIZE + 5):
        new(ref, f"M{n:02d}", "Musiker", qualifications=[VIOLIN] if n % 2 else [CELLO],
            localResidence=n < 3)
    anna = new(ref, "Anna", "Lind", phone="070-123 45 67", qualifications=[VIOLIN])["musicianId"]
    state = make_state(MusiciansState, staff, routes.MUSICIANS)
    assert await state.load_musicians() is None
    assert state.loaded and state.error_key == ""
    assert state.total == PAGE_SIZE + 6 and len(state.rows) == PAGE_SIZE
    assert state.counts.total == PAGE_SIZE + 6 and state.counts.local == 3
    assert state.rows[0].name == "Anna Lind" and state.rows[0].href == f"/musicians/{anna}"
    assert state.rows[0].qualifications == "Violin – Tutti violin 1" and state.rows[0].phone == "070-123 45 67"
    assert (state.first_shown, state.last_shown, state.page_count, state.has_next) == (1, PAGE_SIZE, 2, True)

    await state.next_page()
    assert state.page_index == 1 and len(state.rows) == 6 and not state.has_next and state.first_shown == 51
    await state.set_query("  0701234567 ")
    assert state.query == "0701234567" and state.page_index == 0 and [r.musicianId for r in state.rows] == [anna]
    assert state.filtered
    await state.set_query("ingen-sådan")
    assert state.total == 0 and state.rows == [] and state.first_shown == 0
    await state.clear_filters()
    assert state.total == PAGE_SIZE + 6 and not state.filtered

    await state.set_position_filter(CELLO)
    assert state.total == 28 and all("Cello" in r.qualifications for r in state.rows)
    await state.set_position_filter("POS-nonsense")  # not a known position: ignored
    assert state.position_filter == CELLO
    violin = next(i.instrumentId for i in state.instruments if i.name == "Violin")
    await state.set_instrument_filter(violin)  # the cello position does not belong to it: dropped
    assert state.position_filter == "all" and state.total == 28  # 27 odd M.. + Anna
    assert [g.name for g in state.position_groups] == ["Violin"]
    await state.set_local_filter("local")
    assert [r.name for r in state.rows] == ["M01 Musiker"]
    await state.clear_filters()
    await state.set_status_filter("archived")
    assert state.total == 0
    await state.set_status_filter("bogus")
    assert state.status_filter == "archived"


async def test_roster_state_sends_strangers_to_login(ref):
    from state.musicians import MusiciansState

    state = make_state(MusiciansState, "", routes.MUSICIANS)
    redirect = await state.load_musicians()
    assert redirect is not None and state.rows == [] and not state.loaded


async def test_form_state_creates_with_field_errors_then_edits(ref, staff):
    from state.musicians import MusicianFormState, MusicianProfileState

    new(ref, "Karin", "Berg", email="karin@example.se")
    form = make_state(MusicianFormState, staff, routes.MUSICIANS)
    await form.open_create()
    assert form.dialog_open and form.editing_id == "" and form.values.preferredLanguage == "sv"
    assert {g.name for g in form.groups} >= {"Violin", "Cello"}
    assert "Harpa" in {g.name for g in form.groups}  # not archived in this catalogue

    submitted = {"firstName": "Nils", "lastName": "", "email": "karin@example.se", "phone": "",
                 "preferredLanguage": "en", "notes": "", f"q_{VIOLIN}": "on", "musician-localResidence": False}
    await drain(form.submit(submitted))
    assert form.field_errors == {"lastName": "musicians.field.required"} and form.dialog_open
    assert form.error_key == "musicians.error.check_fields"
    await drain(form.submit(submitted | {"lastName": "Holm"}))
    assert form.field_errors == {"email": "musicians.field.taken"}
    assert form.field_details["email"] == "Karin Berg (MUS001)"
    assert musicians.list_musicians(ref, q="nils")[1] == 0  # nothing written

    updates = await drain(form.submit(submitted | {"lastName": "Holm", "email": "nils@example.se",
                                                   "localResidence": "on"}))
    assert not form.dialog_open and form.field_errors == {} and form.error_key == ""
    [nils] = musicians.list_musicians(ref, q="nils")[0]
    assert (nils["preferredLanguage"], nils["localResidence"], nils["qualifications"]) == ("en", True, [VIOLIN])
    assert any("redirect" in str(update) and f"/musicians/{nils['musicianId']}" in str(update) for update in updates)

    # Edit from the profile: qualifications replaced, deactivated; the profile shows it at once.
    profile = make_state(MusicianProfileState, staff, routes.musician(nils["musicianId"]))
    await profile.load_profile()
    assert profile.musician.name == "Nils Holm" and profile.musician.isActive
    form = make_state(MusicianFormState, staff, routes.musician(nils["musicianId"]))
    await form.open_edit(nils["musicianId"])
    assert form.values.qualifications == [VIOLIN] and form.values.email == "nils@example.se"
    await drain(form.submit({"firstName": "Nils", "lastName": "Holm", "email": "nils@example.se",
                             "preferredLanguage": "en", f"q_{CELLO}": "on", "notes": "Ny anteckning"}))
    saved = musicians.get_musician(ref, nils["musicianId"])
    assert saved["qualifications"] == [CELLO] and saved["isActive"] is False and saved["notes"] == "Ny anteckning"
    assert saved["localResidence"] is False  # an unticked box is False


async def test_form_keeps_qualifications_of_archived_instruments(ref, staff):
    from models.orchestra import Instrument
    from state.musicians import MusicianFormState

    harp = new(ref, "Harald", "Harpist")
    with tenancy.orchestra_session(ref) as session:
        harp_position = session.exec(select(Position).join(Instrument, Instrument.id == Position.instrumentId)
                                     .where(Instrument.name == "Harpa")).first().positionId
        session.execute(sa.update(Instrument).where(Instrument.name == "Tuba").values(isArchived=True))
        session.execute(sa.update(Instrument).where(Instrument.name == "Harpa").values(isArchived=True))
        session.commit()
    musicians.update_musician(ref, harp["musicianId"], {"qualifications": [harp_position]})
    form = make_state(MusicianFormState, staff, routes.musician(harp["musicianId"]))
    await form.open_edit(harp["musicianId"])
    names = {g.name: g.isArchived for g in form.groups}
    assert names.get("Harpa") is True and "Tuba" not in names
    await form.open_create()
    assert "Harpa" not in {g.name for g in form.groups}


async def test_profile_state_blockouts_archive_restore_statistics(ref, staff):
    from state.musicians import MusicianProfileState

    anna = new(ref, "Anna", "Lind", qualifications=[VIOLIN], localResidence=True)["musicianId"]
    add_requests(ref, anna, [
        ("Vårkonsert", "accepted", datetime(2031, 1, 5, 9, tzinfo=UTC), 1.25, VIOLIN),
        ("Sommarfest", "declined", datetime(2031, 2, 5, 9, tzinfo=UTC), 3.0, VIOLIN),
        ("Julkonsert", "timed_out", datetime(2031, 3, 5, 9, tzinfo=UTC), None, VIOLIN),
    ])
    profile = make_state(MusicianProfileState, staff, routes.musician(anna))
    assert await profile.load_profile() is None
    assert profile.loaded and not profile.not_found and profile.musician.musicianId == anna
    assert (profile.stats.asked, profile.stats.accepted, profile.stats.declined, profile.stats.timedOut) == (3, 1, 1, 1)
    assert profile.acceptance_rate_text == "50 %" and profile.average_response_text == "2,1 h"
    assert [h.projectName for h in profile.history] == ["Julkonsert", "Sommarfest", "Vårkonsert"]
    assert profile.history[0].href.startswith("/projects/PROJ") and profile.history[2].sentAt == "2031-01-05 10:00"
    assert [(q.instrument, q.positions) for q in profile.qualifications] == [("Violin", "Tutti violin 1")]

    await profile.add_blockout({"startDate": "2031-07-31", "endDate": "2031-07-01", "reason": ""})
    assert profile.blockout_errors == {"endDate": "musicians.field.end_before_start"} and profile.blockouts == []
    key_before = profile.blockout_form_key
    await profile.add_blockout({"startDate": "2031-07-01", "endDate": "2031-07-31", "reason": " Semester "})
    assert profile.blockout_errors == {} and profile.ok_key == "musicians.blockout_added"
    assert profile.blockout_form_key == key_before + 1
    [blockout] = profile.blockouts
    assert (blockout.start, blockout.end, blockout.reason) == ("2031-07-01", "2031-07-31", "Semester")
    await profile.add_blockout({"startDate": "2031-09-01", "endDate": "", "reason": ""})  # one day
    assert [(b.start, b.end) for b in profile.blockouts][1] == ("2031-09-01", "2031-09-01")
    await drain(profile.delete_blockout(blockout.blockoutId))
    assert len(profile.blockouts) == 1 and profile.ok_key == "musicians.blockout_deleted"
    await drain(profile.delete_blockout(blockout.blockoutId))
    assert profile.action_error_key == "musicians.error.blockout_not_found"

    await drain(profile.set_active(False))
    assert profile.musician.status == "inactive" and profile.ok_key == "musicians.deactivated"
    await drain(profile.archive())
    assert profile.musician.status == "archived" and profile.musician.isArchived and not profile.busy
    await drain(profile.set_active(True))
    assert profile.action_error_key == "musicians.error.musician_archived" and profile.musician.isArchived
    await drain(profile.restore())
    assert profile.musician.status == "active" and profile.ok_key == "musicians.restored_done"

    profile.lang = "en"
    assert profile.acceptance_rate_text == "50%" and profile.average_response_text == "2.1 h"


async def test_profile_state_unknown_and_malformed_ids(ref, staff):
    from state.musicians import MusicianProfileState

    for path in (routes.musician("MUS404"), routes.MUSICIAN, "/musicians/" + "x" * 80):
        profile = make_state(MusicianProfileState, staff, path)
        assert await profile.load_profile() is None
        assert profile.not_found and profile.loaded
        await profile.add_blockout({"startDate": "2031-01-01", "endDate": "2031-01-02"})  # refused quietly
        assert profile.blockouts == []


def test_routes_of_the_profile():
    assert routes.musician("MUS001") == "/musicians/MUS001"
    assert routes.musician_id_from_path("/musicians/MUS001/") == "MUS001"
    assert routes.musician_id_from_path("/musicians") == "" and routes.musician_id_from_path("/projects/X") == ""
    assert routes.MUSICIANS in {area.route for area in routes.built_areas(include_dev=False)}


async def test_a_page_load_closes_a_dialog_left_open(ref, staff):
    from state.musicians import MusicianFormState, MusiciansState

    roster = make_state(MusiciansState, staff, routes.MUSICIANS)
    form = await roster.get_state(MusicianFormState)
    await form.open_create()
    assert form.dialog_open
    await roster.load_musicians()  # e.g. the browser's back button to the roster
    assert not form.dialog_open and roster.loaded
