"""services.musicians (and the shared time helper): validation, uniqueness, plan limit, archive/restore,
statistics and blockouts, called directly as the UI will call them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.central import Orchestra
from models.orchestra import Musician, MusicianQualification, RankingList
from services import clock, dispatch, musicians, projects, provisioning, rankings, tenancy
from services.errors import Conflict, NotFound, ValidationError


@pytest.fixture
def ref(installation):
    return provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                         contact_email="kansli@acme.test", create_admin=False).orchestra


def new(ref, first="Anna", last="Lind", email=None, **fields) -> dict:
    return musicians.create_musician(ref, {"firstName": first, "lastName": last,
                                           "email": email or f"{first}.{last}@example.se".lower()} | fields)


def test_create_normalises_and_numbers(ref):
    first = new(ref, " Anna ", " Lind ", "  Anna.Lind@Example.SE ", phone=" 070-1 ", preferredLanguage="EN",
                qualifications=["POS004", "POS004", "POS001"])
    second = new(ref, "Bo", "Ek")
    assert (first["musicianId"], second["musicianId"]) == ("MUS001", "MUS002")
    assert first["firstName"] == "Anna" and first["lastName"] == "Lind"
    assert first["email"] == "anna.lind@example.se" and first["phone"] == "070-1"
    assert first["preferredLanguage"] == "en" and second["preferredLanguage"] == "sv"
    assert first["qualifications"] == ["POS001", "POS004"] and second["qualifications"] == []
    assert first["localResidence"] is False and first["isActive"] is True and first["status"] == "active"


def test_validation_lists_every_problem_and_writes_nothing(ref):
    with pytest.raises(ValidationError) as caught:
        musicians.create_musician(ref, {"firstName": "x" * 101, "email": "nope", "phone": "abc",
                                        "preferredLanguage": "de", "localResidence": "yes", "notes": 5,
                                        "qualifications": "POS001"})
    assert set(caught.value.fields) == {"firstName", "lastName", "email", "phone", "preferredLanguage",
                                        "localResidence", "notes", "qualifications"}
    with pytest.raises(ValidationError) as caught:
        new(ref, qualifications=["POS001", "POS999"])
    assert caught.value.code == "unknown_position" and "POS999" in caught.value.fields["qualifications"]
    assert musicians.list_musicians(ref)[1] == 0


def test_email_and_phone_are_unique_and_the_clash_names_the_holder(ref):
    karin = new(ref, "Karin", "Berg", "karin@example.se", phone="+46 70-111 22 33")
    with pytest.raises(Conflict) as caught:
        new(ref, "Other", "Person", "KARIN@example.se")
    assert caught.value.code == "email_taken" and "Karin Berg (MUS001)" in caught.value.message
    with pytest.raises(Conflict) as caught:
        new(ref, "Other", "Person", "other@example.se", phone="+4670(111)2233")
    assert caught.value.code == "phone_taken" and caught.value.fields == {"phone": "taken by MUS001"}
    # A musician keeps their own values on update; another's are refused.
    assert musicians.update_musician(ref, karin["musicianId"], {"email": "Karin@example.se",
                                                                "phone": "+46701112233"})["phone"] == "+46701112233"
    bo = new(ref, "Bo", "Ek")
    with pytest.raises(Conflict):
        musicians.update_musician(ref, bo["musicianId"], {"email": "karin@example.se"})


def test_an_earlier_mixed_case_address_still_counts(ref):
    with tenancy.orchestra_session(ref) as session:
        session.add(Musician(musicianId="MUS050", firstName="Gammal", lastName="Post",
                             email="Gammal.Post@Example.se"))
        session.commit()
    with pytest.raises(Conflict) as caught:
        new(ref, "Ny", "Post", "gammal.post@example.se")
    assert "MUS050" in caught.value.message


def test_update_is_partial_and_qualifications_replace(ref):
    created = new(ref, qualifications=["POS001", "POS004"], notes="Anteckning", localResidence=True)
    updated = musicians.update_musician(ref, created["musicianId"], {"qualifications": ["POS005"],
                                                                     "preferredLanguage": None})
    assert updated["qualifications"] == ["POS005"] and updated["preferredLanguage"] == "sv"
    assert updated["notes"] == "Anteckning" and updated["localResidence"] is True
    with tenancy.orchestra_session(ref) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(MusicianQualification)).scalar_one() == 1
    with pytest.raises(ValidationError):
        musicians.update_musician(ref, created["musicianId"], {"lastName": "  "})
    with pytest.raises(NotFound):
        musicians.update_musician(ref, "MUS999", {"lastName": "X"})


def test_plan_limit_counts_non_archived_musicians(ref):
    with tenancy.central_session() as session:
        session.exec(select(Orchestra).where(Orchestra.subdomain == "acme")).one().maxMusicians = 1
        session.commit()
    first = new(ref, "A", "A")
    with pytest.raises(Conflict) as caught:
        new(ref, "B", "B")
    assert caught.value.code == "plan_limit" and caught.value.fields == {"maxMusicians": "1"}
    musicians.archive_musician(ref, first["musicianId"])
    second = new(ref, "B", "B")
    with pytest.raises(Conflict):
        musicians.restore_musician(ref, first["musicianId"])
    musicians.archive_musician(ref, second["musicianId"])
    assert musicians.restore_musician(ref, first["musicianId"])["status"] == "active"


def test_archive_and_restore_are_idempotent(ref):
    created = new(ref)
    archived = musicians.archive_musician(ref, created["musicianId"])
    again = musicians.archive_musician(ref, created["musicianId"])
    assert archived["archivedAt"] == again["archivedAt"] and again["status"] == "archived"
    restored = musicians.restore_musician(ref, created["musicianId"])
    assert restored["restoredAt"] is not None and restored["isActive"] and not restored["isArchived"]
    assert musicians.restore_musician(ref, created["musicianId"])["restoredAt"] == restored["restoredAt"]


def test_search_escapes_wildcards(ref):
    new(ref, "Per_Olof", "Svensson", "per@example.se")
    new(ref, "Pernilla", "Ek", "pernilla@example.se")
    assert [m["firstName"] for m in musicians.list_musicians(ref, q="per_")[0]] == ["Per_Olof"]
    assert musicians.list_musicians(ref, q="%")[1] == 0
    assert musicians.list_musicians(ref, q="per")[1] == 2
    with pytest.raises(ValidationError):
        musicians.list_musicians(ref, status="gone")


def test_statistics_count_requests_by_status(ref):
    ids = [new(ref, f"M{i}", "Musiker", qualifications=["POS004"])["musicianId"] for i in range(2)]
    with tenancy.orchestra_session(ref) as session:
        list_id = session.exec(select(RankingList.rankingListId).where(
            RankingList.listType == "A", RankingList.positionId == 4)).one()
    rankings.replace_order(ref, list_id, ids)
    project_id = projects.create_project(ref, {"name": "P", "startDate": "2031-01-05"})["projectId"]
    projects.create_need(ref, project_id, {"positionId": "POS004", "rankingListId": list_id,
                                           "requestStrategy": "parallel", "quantity": 2})
    dispatch.send_project(ref, project_id)
    request_id = dispatch.list_requests(ref, project_id)[0]["requestId"]
    dispatch.respond_on_behalf(ref, request_id, "decline", staff="test")
    stats = musicians.get_musician(ref, ids[0])["statistics"]
    assert stats == {"total": 1, "pending": 0, "accepted": 0, "declined": 1, "timedOut": 0, "cancelled": 0}
    assert musicians.get_musician(ref, ids[1])["statistics"]["pending"] == 1


def test_blockouts(ref):
    musician_id = new(ref)["musicianId"]
    added = musicians.add_blockout(ref, musician_id, date(2031, 7, 1), "2031-07-31", "  Sommar  ")
    assert added["startDate"] == datetime(2031, 6, 30, 22, tzinfo=UTC)  # Stockholm summer time
    assert added["endDate"] == datetime(2031, 7, 31, 21, 59, 59, 999000, tzinfo=UTC)
    assert added["reason"] == "Sommar"
    single = musicians.add_blockout(ref, musician_id, "2031-01-10T10:00:00+01:00", "2031-01-10T12:00:00+01:00")
    assert [b["blockoutId"] for b in musicians.list_blockouts(ref, musician_id)] == [single["blockoutId"],
                                                                                     added["blockoutId"]]
    for start, end in (("2031-02-02", "2031-02-01"), (None, "2031-02-01"), ("2031-02-01", "soon"),
                       ("2031-01-01", "2035-01-01")):
        with pytest.raises(ValidationError):
            musicians.add_blockout(ref, musician_id, start, end)
    with pytest.raises(NotFound):
        musicians.add_blockout(ref, "MUS999", "2031-01-01", "2031-01-02")
    musicians.delete_blockout(ref, musician_id, single["blockoutId"])
    with pytest.raises(NotFound):
        musicians.delete_blockout(ref, musician_id, single["blockoutId"])
    assert len(musicians.list_blockouts(ref, musician_id)) == 1


def test_parse_moment(installation):
    assert clock.parse_moment("2031-01-10", "d") == datetime(2031, 1, 9, 23, tzinfo=UTC)
    assert clock.parse_moment("2031-01-10", "d", date_zone=UTC) == datetime(2031, 1, 10, tzinfo=UTC)
    assert clock.parse_moment("2031-01-10T08:00:00Z", "d") == datetime(2031, 1, 10, 8, tzinfo=UTC)
    assert clock.parse_moment(datetime(2031, 1, 10, 8), "d") == datetime(2031, 1, 10, 8, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        clock.parse_moment("10/1", "startDate")
    assert caught.value.fields == {"startDate": "not an ISO 8601 date or time"}
    with pytest.raises(ValidationError):
        clock.parse_moment(12, "startDate")
