"""The REST API against its own OpenAPI document, with Schemathesis generating the requests.

Every operation of ``/api/v1/openapi.json`` is called with generated data, over ASGI, against an orchestra with
demo data whose projects have been sent (its database once SQLite, once PostgreSQL): with the real ids of that
orchestra (so the handlers go all the way), with generated ids (404s), and with data that breaks the schema
(which must be refused with a 4xx). Each response must be documented (status code, content type) and match its
documented schema, and no request may end in a 5xx. Examples per case are few and derandomised, so the run
stays well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import select
from starlette.applications import Starlette

from models.orchestra import Musician, MusicianBlockout, Project, ProjectNeed, RankingList, Request
from services import api_keys, clock, dispatch, musicians, projects, provisioning, tenancy
from services import settings as app_settings
from services.demo import seed_demo_data
from stagesub_ui.endpoints import api_routes

EXAMPLES = 12
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_schema_conformance]
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection]


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    """acme with the demo data, both projects sent, one answer recorded, a blockout, a custom list and a key."""
    from services.migrations import upgrade_central

    database_url = request.getfixturevalue("new_pg_database")() if request.param == "postgresql" else None
    data_dir = tmp_path_factory.mktemp("schemathesis")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("STAGESUB_DATABASE_URL", "STAGESUB_PUBLIC_URL", "STAGESUB_BASE_DOMAIN",
                     "STAGESUB_ORCHESTRA_DB_SERVER_URL"):
            mp.delenv(name, raising=False)
        mp.setenv("STAGESUB_ENV", "test")
        mp.setenv("STAGESUB_DATA_DIR", str(data_dir))
        app_settings.reset_settings()
        tenancy.dispose_all()
        upgrade_central()
        ref = provisioning.create_orchestra(name="Testorkestern", subdomain="acme", contact_name="Kansli",
                                            contact_email="kansli@acme.test", create_admin=False,
                                            database_url=database_url).orchestra
        with tenancy.orchestra_session(ref) as session:
            seed_demo_data(session)
            session.commit()
            project_ids = [p.projectId for p in session.exec(select(Project).order_by(Project.id)).all()]
        for project_id in project_ids:
            dispatch.send_project(ref, project_id)
        first_request = dispatch.list_requests(ref, project_ids[0])[0]["requestId"]
        dispatch.respond_on_behalf(ref, first_request, "accept", staff="test")
        with tenancy.orchestra_session(ref) as session:
            musician = session.exec(select(Musician).where(Musician.isArchived == False)).first()  # noqa: E712
            need = session.exec(select(ProjectNeed).order_by(ProjectNeed.id)).first()
            ranking_list = session.get(RankingList, need.rankingListId)
            request = session.exec(select(Request).order_by(Request.id.desc())).first()
            position_id = musicians.get_musician(ref, musician.musicianId)["qualifications"][0]
        blockout = musicians.add_blockout(ref, musician.musicianId, "2031-01-01", "2031-01-02")
        custom = projects.create_custom_list(ref, project_ids[1], position_id)
        raw_key, _ = api_keys.create_api_key("acme", "schemathesis")
        with tenancy.orchestra_session(ref) as session:
            assert session.exec(select(MusicianBlockout)).first() is not None
        real_ids = {
            "musicianId": musician.musicianId, "projectId": project_ids[0], "projectNeedId": need.projectNeedId,
            "positionId": position_id, "rankingListId": ranking_list.rankingListId,
            "requestId": request.requestId, "customListId": custom["customListId"],
            "blockoutId": blockout["blockoutId"],
        }
        yield {"key": raw_key, "ids": real_ids}
        clock.reset()
        tenancy.dispose_all()
        app_settings.reset_settings()


def operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _run(operation, strategy, headers: dict, checks: list) -> None:
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, print_blob=False,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=checks)

    run()


def test_every_operation_keeps_to_its_documented_contract(world):
    app = Starlette(routes=api_routes())
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    # Unknown query parameters are ignored by design (documented in docs/api.md), not refused.
    schema.config.generation.update(allow_extra_parameters=False)
    headers = {"Authorization": f"Bearer {world['key']}"}
    seen = 0
    for operation in operations(schema):
        seen += 1
        names = [p.name for p in operation.path_parameters]
        real = {name: world["ids"][name] for name in names}
        _run(operation, operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real), headers,
             POSITIVE_CHECKS)
        if names:
            _run(operation, operation.as_strategy(GenerationMode.POSITIVE), headers, POSITIVE_CHECKS)
        if operation.body or operation.query:
            _run(operation, operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real), headers,
                 NEGATIVE_CHECKS)
    assert seen >= 35
