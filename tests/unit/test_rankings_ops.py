"""services.rankings, the single edits of the ranking lists page: move, add, remove, clear, create, the qualified
pool, and the list version that keeps two staff members from silently overwriting each other."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.orchestra import Ranking, RankingList
from services import musicians, provisioning, rankings, tenancy
from services.errors import Conflict, NotFound, ValidationError

VIOLIN = "POS004"  # Tutti violin 1 (Violin)
VIOLA = "POS007"  # Tutti (Viola)


@pytest.fixture
def ref(installation):
    return provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                         contact_email="kansli@acme.test", create_admin=False).orchestra


def list_id_of(ref, position_id: str = VIOLIN, list_type: str = "A") -> str:
    return next(rl["rankingListId"] for rl in rankings.list_position_lists(ref, position_id)
                if rl["listType"] == list_type)


def new_musician(ref, first: str, last: str = "Musiker", positions=(VIOLIN,), active: bool = True) -> str:
    data = {"firstName": first, "lastName": last, "email": f"{first.lower()}.{last.lower()}@example.se",
            "qualifications": list(positions)}
    musician_id = musicians.create_musician(ref, data)["musicianId"]
    if not active:
        musicians.update_musician(ref, musician_id, {"isActive": False})
    return musician_id


@pytest.fixture
def violins(ref) -> tuple[str, list[str]]:
    """The violin A list holding five musicians, ranks 1..5 in the order of the returned ids."""
    ids = [new_musician(ref, name) for name in ("Anna", "Bo", "Cia", "Dan", "Eva")]
    list_id = list_id_of(ref)
    rankings.replace_order(ref, list_id, ids)
    return list_id, ids


def shown(ref, list_id: str) -> list[str]:
    return [m["musicianId"] for m in rankings.list_view(ref, list_id)["musicians"]]


def raw_rows(ref, list_id: str) -> list[tuple]:
    """Every Ranking row of the list (id, musician pk, rank, rankingId): to prove nothing was written."""
    with tenancy.orchestra_session(ref) as session:
        list_pk = session.exec(select(RankingList.id).where(RankingList.rankingListId == list_id)).one()
        return list(session.execute(
            sa.select(Ranking.id, Ranking.musicianId, Ranking.rank, Ranking.rankingId, Ranking.updatedAt)
            .where(Ranking.listId == list_pk).order_by(Ranking.rank)).all())


def db_ranks(ref, list_id: str) -> list[int]:
    return [row[2] for row in raw_rows(ref, list_id)]


# ----- the view and its version --------------------------------------------------------------------------------


def test_list_view_shows_names_marks_and_a_stable_version(ref, violins):
    list_id, ids = violins
    musicians.update_musician(ref, ids[1], {"localResidence": True})
    musicians.update_musician(ref, ids[2], {"isActive": False})
    view = rankings.list_view(ref, list_id)
    assert view["names"] == {"sv": "A-lista Tutti violin 1", "en": "A list Tutti violin 1"}
    assert (view["listType"], view["positionId"], view["instrumentName"]) == ("A", VIOLIN, "Violin")
    rows = view["musicians"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["name"] == "Anna Musiker" and rows[0]["email"] == "anna.musiker@example.se"
    assert [r["localResidence"] for r in rows] == [False, True, False, False, False]
    assert [r["isActive"] for r in rows] == [True, True, False, True, True]
    assert rankings.list_view(ref, list_id)["version"] == view["version"]
    assert len(view["version"]) == 16
    # Another list with the same musicians has another version.
    b_list = list_id_of(ref, VIOLIN, "B")
    rankings.replace_order(ref, b_list, ids)
    assert rankings.list_view(ref, b_list)["version"] != view["version"]


def test_the_version_changes_with_the_order_and_with_archiving(ref, violins):
    list_id, ids = violins
    v1 = rankings.list_view(ref, list_id)["version"]
    rankings.replace_order(ref, list_id, [ids[1], ids[0], *ids[2:]])
    v2 = rankings.list_view(ref, list_id)["version"]
    assert v2 != v1
    musicians.archive_musician(ref, ids[4])
    view = rankings.list_view(ref, list_id)
    assert view["version"] != v2 and ids[4] not in shown(ref, list_id)
    # Changed back: the page shows exactly that list again, so the version is the old one.
    musicians.restore_musician(ref, ids[4])
    assert rankings.list_view(ref, list_id)["version"] == v2


def test_unknown_list_is_not_found(ref):
    with pytest.raises(NotFound):
        rankings.list_view(ref, "RANK999")
    with pytest.raises(NotFound):
        rankings.move_musician(ref, "RANK999", "MUS001", 0, "0" * 16)


# ----- move --------------------------------------------------------------------------------------------------


def test_move_down_up_and_to_either_end(ref, violins):
    list_id, ids = violins
    a, b, c, d, e = ids
    version = rankings.list_view(ref, list_id)["version"]
    view = rankings.move_musician(ref, list_id, a, 2, version)
    assert [m["musicianId"] for m in view["musicians"]] == [b, c, a, d, e] == shown(ref, list_id)
    assert view["version"] == rankings.list_view(ref, list_id)["version"] != version
    view = rankings.move_musician(ref, list_id, e, 0, view["version"])
    assert shown(ref, list_id) == [e, b, c, a, d]
    view = rankings.move_musician(ref, list_id, e, 4, view["version"])
    assert shown(ref, list_id) == [b, c, a, d, e]
    assert db_ranks(ref, list_id) == [1, 2, 3, 4, 5]


def test_moving_to_the_same_place_writes_nothing(ref, violins):
    list_id, ids = violins
    before = raw_rows(ref, list_id)
    version = rankings.list_view(ref, list_id)["version"]
    assert rankings.move_musician(ref, list_id, ids[2], 2, version)["version"] == version
    assert raw_rows(ref, list_id) == before


@pytest.mark.parametrize("index", [-1, 5, 99, True, "1", 1.0, None])
def test_move_to_a_bad_index_writes_nothing(ref, violins, index):
    list_id, ids = violins
    before = raw_rows(ref, list_id)
    version = rankings.list_view(ref, list_id)["version"]
    with pytest.raises(ValidationError) as err:
        rankings.move_musician(ref, list_id, ids[0], index, version)
    assert err.value.code == "invalid_index" and "newIndex" in err.value.fields
    assert raw_rows(ref, list_id) == before


def test_move_of_someone_not_on_the_list_writes_nothing(ref, violins):
    list_id, _ = violins
    outsider = new_musician(ref, "Olle")
    before = raw_rows(ref, list_id)
    with pytest.raises(ValidationError) as err:
        rankings.move_musician(ref, list_id, outsider, 0, rankings.list_view(ref, list_id)["version"])
    assert err.value.code == "not_on_list"
    assert raw_rows(ref, list_id) == before


def test_archived_musicians_keep_their_places_when_others_move(ref, violins):
    list_id, ids = violins
    a, b, c, d, e = ids
    musicians.archive_musician(ref, b)
    assert shown(ref, list_id) == [a, c, d, e]
    rankings.move_musician(ref, list_id, e, 0, rankings.list_view(ref, list_id)["version"])
    assert shown(ref, list_id) == [e, a, c, d]
    musicians.restore_musician(ref, b)
    # b is back on its second row: the visible rows moved around it.
    assert shown(ref, list_id) == [e, b, a, c, d]


# ----- stale versions ------------------------------------------------------------------------------------------


def test_every_operation_with_a_stale_version_raises_conflict_and_writes_nothing(ref, violins):
    list_id, ids = violins
    outsider = new_musician(ref, "Olle")
    stale = rankings.list_view(ref, list_id)["version"]
    rankings.move_musician(ref, list_id, ids[4], 0, stale)  # someone else's edit
    before = raw_rows(ref, list_id)
    operations = [
        lambda: rankings.move_musician(ref, list_id, ids[0], 3, stale),
        lambda: rankings.add_to_list(ref, list_id, [outsider], expected_version=stale),
        lambda: rankings.remove_from_list(ref, list_id, ids[1], stale),
        lambda: rankings.clear_list(ref, list_id, "A-lista Tutti violin 1", stale),
        lambda: rankings.replace_order(ref, list_id, list(reversed(ids)), expected_version=stale),
    ]
    for operation in operations:
        with pytest.raises(Conflict) as err:
            operation()
        assert err.value.code == "list_changed" and err.value.status == 409
        assert "changed by someone else" in err.value.message
        assert raw_rows(ref, list_id) == before


@pytest.mark.parametrize("version", [None, "", 7])
def test_a_missing_version_is_refused(ref, violins, version):
    list_id, ids = violins
    before = raw_rows(ref, list_id)
    with pytest.raises(ValidationError) as err:
        rankings.move_musician(ref, list_id, ids[0], 1, version)
    assert err.value.code == "invalid_version"
    assert raw_rows(ref, list_id) == before


def test_replace_order_without_a_version_still_works_for_the_api(ref, violins):
    list_id, ids = violins
    assert rankings.replace_order(ref, list_id, ids[::-1])["musicians"] == ids[::-1]


# ----- add and the qualified pool --------------------------------------------------------------------------------


def test_the_pool_holds_qualified_musicians_not_on_the_list(ref, violins):
    list_id, ids = violins
    zed = new_musician(ref, "Zlatan", "Andersson")
    aino = new_musician(ref, "Aino", "Öberg")
    inactive = new_musician(ref, "Ivar", "Aalto", active=False)
    archived = new_musician(ref, "Arkiv", "Berg")
    musicians.archive_musician(ref, archived)
    viola_player = new_musician(ref, "Vera", "Altfiol", positions=(VIOLA,))
    pool = rankings.qualified_pool(ref, list_id)
    # Active first, by last name in Swedish order (Ö after Z), then the inactive ones.
    assert [m["musicianId"] for m in pool] == [zed, aino, inactive]
    assert pool[2]["isActive"] is False and pool[0]["isActive"] is True
    assert pool[0]["name"] == "Zlatan Andersson" and pool[0]["instrumentName"] == "Violin"
    assert not {archived, viola_player, *ids} & {m["musicianId"] for m in pool}


def test_add_at_the_end_and_at_a_place(ref, violins):
    list_id, ids = violins
    x, y, z = (new_musician(ref, name) for name in ("Xena", "Yngve", "Zara"))
    version = rankings.list_view(ref, list_id)["version"]
    view = rankings.add_to_list(ref, list_id, [y, x], expected_version=version)
    assert shown(ref, list_id) == [*ids, y, x]
    view = rankings.add_to_list(ref, list_id, [z], 1, expected_version=view["version"])
    assert shown(ref, list_id) == [ids[0], z, *ids[1:], y, x]
    assert [m["rank"] for m in view["musicians"]] == list(range(1, 9))
    assert db_ranks(ref, list_id) == list(range(1, 9))
    assert rankings.qualified_pool(ref, list_id) == []


def test_only_qualified_non_archived_musicians_not_yet_listed_can_be_added(ref, violins):
    list_id, ids = violins
    viola_player = new_musician(ref, "Vera", "Altfiol", positions=(VIOLA,))
    archived = new_musician(ref, "Arkiv")
    musicians.archive_musician(ref, archived)
    fine = new_musician(ref, "Fina")
    version = rankings.list_view(ref, list_id)["version"]
    before = raw_rows(ref, list_id)
    cases = {
        "not qualified": ([fine, viola_player], "invalid_order"),
        "archived": ([archived], "invalid_order"),
        "unknown": (["MUS999"], "invalid_order"),
        "twice": ([fine, fine], "invalid_order"),
        "already on the list": ([fine, ids[0]], "already_on_list"),
        "nothing": ([], "nothing_selected"),
        "not a list": (fine, "invalid_order"),
    }
    for label, (chosen, code) in cases.items():
        with pytest.raises(ValidationError) as err:
            rankings.add_to_list(ref, list_id, chosen, expected_version=version)
        assert err.value.code == code, label
        assert "musicianIds" in err.value.fields, label
        assert raw_rows(ref, list_id) == before, label
    assert "not qualified" in rankings_error(ref, list_id, [viola_player], version)
    for position in (-1, 6, True):
        with pytest.raises(ValidationError):
            rankings.add_to_list(ref, list_id, [fine], position, expected_version=version)
    assert raw_rows(ref, list_id) == before


def rankings_error(ref, list_id, chosen, version) -> str:
    with pytest.raises(ValidationError) as err:
        rankings.add_to_list(ref, list_id, chosen, expected_version=version)
    return err.value.message


# ----- remove and clear ---------------------------------------------------------------------------------------


def test_remove_closes_up_the_ranks(ref, violins):
    list_id, ids = violins
    view = rankings.remove_from_list(ref, list_id, ids[1], rankings.list_view(ref, list_id)["version"])
    assert [m["musicianId"] for m in view["musicians"]] == [ids[0], *ids[2:]]
    assert db_ranks(ref, list_id) == [1, 2, 3, 4]
    assert ids[1] in {m["musicianId"] for m in rankings.qualified_pool(ref, list_id)}
    with pytest.raises(ValidationError) as err:
        rankings.remove_from_list(ref, list_id, ids[1], view["version"])
    assert err.value.code == "not_on_list"


@pytest.mark.parametrize("typed", ["", "A-lista", "a-lista tutti violin 1", "A-lista Tutti violin 2",
                                   "A-lista  Tutti violin 1", "RADERA", None])
def test_clear_needs_the_exact_name(ref, violins, typed):
    list_id, _ = violins
    before = raw_rows(ref, list_id)
    with pytest.raises(ValidationError) as err:
        rankings.clear_list(ref, list_id, typed, rankings.list_view(ref, list_id)["version"])
    assert err.value.code == "confirmation_mismatch"
    assert "A-lista Tutti violin 1" in err.value.message and "confirmation" in err.value.fields
    assert raw_rows(ref, list_id) == before


@pytest.mark.parametrize("typed", ["A-lista Tutti violin 1", "  A-lista Tutti violin 1 ", "A list Tutti violin 1"])
def test_clear_with_the_name_empties_the_list_archived_rows_too(ref, violins, typed):
    list_id, ids = violins
    musicians.archive_musician(ref, ids[3])
    view = rankings.clear_list(ref, list_id, typed, rankings.list_view(ref, list_id)["version"])
    assert view["musicians"] == [] and raw_rows(ref, list_id) == []
    musicians.restore_musician(ref, ids[3])
    assert shown(ref, list_id) == []
    # The B list of the same position is untouched by clearing the A list.
    assert rankings.list_view(ref, list_id_of(ref, VIOLIN, "B"))["listType"] == "B"


# ----- create -------------------------------------------------------------------------------------------------


def test_create_a_missing_list(ref):
    b_list = list_id_of(ref, VIOLA, "B")
    with tenancy.orchestra_session(ref) as session:
        session.execute(sa.delete(RankingList).where(RankingList.rankingListId == b_list))
        session.commit()
    view = rankings.create_list(ref, VIOLA, "B", "  för vikarier ")
    assert view["listType"] == "B" and view["musicians"] == [] and view["description"] == "för vikarier"
    assert view["rankingListId"].startswith("RANK") and view["rankingListId"] != b_list
    with pytest.raises(Conflict) as err:
        rankings.create_list(ref, VIOLA, "B")
    assert err.value.code == "list_exists"
    with pytest.raises(ValidationError):
        rankings.create_list(ref, VIOLA, "D")
    with pytest.raises(NotFound):
        rankings.create_list(ref, "POS999", "A")


# ----- two staff members at once ------------------------------------------------------------------------------


def race(ref, list_id: str, edits: dict) -> dict[str, object]:
    """Run the edits at the same moment, each with the version shown before; name -> "saved" or the Conflict."""
    seen = rankings.list_view(ref, list_id)["version"]
    barrier = threading.Barrier(len(edits))
    outcome: dict[str, object] = {}

    def edit(name, operation):
        barrier.wait()
        try:
            operation(seen)
            outcome[name] = "saved"
        except Conflict as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=edit, args=item) for item in edits.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


def test_two_simultaneous_edits_from_the_same_version_one_wins_the_other_is_told(ref, violins):
    """Both start from what their page showed; exactly one is saved, the other gets Conflict (never a silent
    overwrite), and after reloading its edit goes through too: both edits are in the list."""
    list_id, ids = violins
    a, b, c, d, e = ids
    edits = {
        "move e first": lambda version: rankings.move_musician(ref, list_id, e, 0, version),
        "remove b": lambda version: rankings.remove_from_list(ref, list_id, b, version),
    }
    for _round in range(3):
        rankings.replace_order(ref, list_id, ids)
        outcome = race(ref, list_id, edits)
        assert sorted(str(v) == "saved" for v in outcome.values()) == [False, True], outcome
        loser = next(name for name, value in outcome.items() if value != "saved")
        assert outcome[loser].code == "list_changed"
        edits[loser](rankings.list_view(ref, list_id)["version"])  # reload, redo
        assert shown(ref, list_id) == [e, a, c, d]


def test_many_concurrent_editors_lose_nothing(ref, violins):
    """Eight staff members each add one musician at the same moment, reloading and retrying on Conflict. Half
    of them save the whole order their page showed plus their musician (``replace_order``), which without the
    version check would erase what the others saved in between; the other half add at the top. All eight end
    up on the list, each once, and the five that were there keep their order."""
    list_id, ids = violins
    newcomers = [new_musician(ref, f"Ny{n}") for n in range(8)]
    barrier = threading.Barrier(len(newcomers))
    conflicts: list[str] = []
    errors: list[BaseException] = []

    def save(number: int, musician_id: str) -> None:
        try:
            barrier.wait()
            for _attempt in range(50):
                view = rankings.list_view(ref, list_id)
                try:
                    if number % 2:
                        rankings.add_to_list(ref, list_id, [musician_id], 0, expected_version=view["version"])
                    else:
                        order = [m["musicianId"] for m in view["musicians"]] + [musician_id]
                        rankings.replace_order(ref, list_id, order, expected_version=view["version"])
                    return
                except Conflict:
                    conflicts.append(musician_id)
            raise AssertionError(f"{musician_id} was never added")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=item) for item in enumerate(newcomers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    final = shown(ref, list_id)
    assert sorted(final) == sorted(ids + newcomers)
    assert [m for m in final if m in ids] == ids
    assert db_ranks(ref, list_id) == list(range(1, 14))
    assert conflicts, "eight writers from the same moment should have met at least one Conflict"
