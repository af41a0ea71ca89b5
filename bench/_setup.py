"""Shared set-up for the HTTP benchmarks: an installation, a roster on one A list, a server process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def roster_project(ref, musicians: int, strategy: str, quantity: int) -> str:
    """A project whose one need (``strategy``, ``quantity``) draws on ``musicians`` ranked musicians."""
    from sqlmodel import select

    from models.orchestra import Musician, MusicianQualification, Position, Project, ProjectNeed, Ranking, RankingList
    from services import clock, ids, tenancy

    with tenancy.orchestra_session(ref) as session:
        position = session.exec(select(Position).where(Position.name == "Tutti violin 1")).one()
        a_list = session.exec(
            select(RankingList).where(RankingList.positionId == position.id, RankingList.listType == "A")
        ).one()
        for rank, musician_id in enumerate(ids.next_ids(session, "musician", musicians), start=1):
            musician = Musician(musicianId=musician_id, firstName="Bänk", lastName=str(rank),
                                email=f"bench{rank}@bench.example.se")
            session.add(musician)
            session.flush()
            session.add(MusicianQualification(musicianId=musician.id, positionId=position.id))
            session.add(Ranking(rankingId=f"bench{rank}", listId=a_list.id, musicianId=musician.id, rank=rank))
        start = clock.now() + timedelta(days=30)
        project = Project(projectId=ids.next_id(session, "project"), name="Bänkprojekt", startDate=start,
                          weekNumber=start.isocalendar().week, rehearsalSchedule="Mån–tor 10–15",
                          concertInfo="Fredag 19.00, Konserthuset")
        session.add(project)
        session.flush()
        session.add(ProjectNeed(projectNeedId=ids.next_id(session, "projectNeed"), projectId=project.id,
                                positionId=position.id, quantity=quantity, rankingListId=a_list.id,
                                requestStrategy=strategy, responseTimeHours=48))
        session.commit()
        return project.projectId


def start_server(port: int) -> subprocess.Popen:
    """The HTTP endpoints (response pages, API) on one uvicorn worker, as in one app worker."""
    env = {**os.environ, "STAGESUB_RUN_SCHEDULER": "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "stagesub_ui.endpoints:build_api", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")
