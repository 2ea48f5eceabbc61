"""The development conversation in the unit plan (#22): a conversation picks goals and
measures from the competence plans of the person's unit chain, its follow-up date
reminds the employee and the leader once, and the unit plan counts the conversations
per goal with small groups hidden."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kollega.clock import OSLO
from kollega.competence import conversations
from kollega.competence import jobs as competence_jobs
from kollega.competence.models import CompetencePlan, CompetencePlanGoal, DevelopmentConversation
from kollega.extensions import db
from tests.conftest import login

YEAR = dt.date.today().year


def _goal(unit: Any, text: str, measure: str = "") -> CompetencePlanGoal:
    plan = db.session.scalar(
        sa.select(CompetencePlan).where(
            CompetencePlan.unit_id == unit.id, CompetencePlan.year == YEAR
        )
    )
    if plan is None:
        plan = CompetencePlan(unit_id=unit.id, year=YEAR, status="active")
        db.session.add(plan)
        db.session.flush()
    goal = CompetencePlanGoal(plan_id=plan.id, focus_area="privacy", goal=text, measure=measure)
    db.session.add(goal)
    db.session.commit()
    return goal


def _mails(app: Any) -> list[email.message.Message]:
    folder = Path(app.instance_path) / "outbox"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def test_a_conversation_picks_plan_goals_and_the_plan_counts_them(app, client, org):
    privacy = _goal(org.unit_a1, "Alle på nivå 3 i personvern", "Kurs i personvern")
    digital = _goal(org.unit_a1, "Digital samhandling", "Læringsstopp hver sjette uke")
    elsewhere = _goal(org.unit_b1, "Hjemmetjenestens mål")
    offered = {g.id for g in conversations.offered_goals(org.employee, YEAR)}
    assert {privacy.id, digital.id} <= offered and elsewhere.id not in offered
    # A year without a plan yet offers the latest plan's goals; a year before, none.
    assert {privacy.id, digital.id} <= {
        g.id for g in conversations.offered_goals(org.employee, YEAR + 1)
    }
    assert conversations.offered_goals(org.employee, YEAR - 1) == []

    login(client, org.leader)
    url = f"/competence/people/{org.employee.id}/conversations"
    page = client.get(url).get_data(as_text=True)
    assert "Alle på nivå 3 i personvern" in page and "Kurs i personvern" in page
    assert "Hjemmetjenestens mål" not in page
    follow = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    r = client.post(
        url,
        data={
            "held_on": dt.date.today().isoformat(),
            "agreed_goals": "Ta kurset",
            "plan_goal": [str(privacy.id)],
            "follow_up_on": follow,
        },
    )
    assert r.status_code == 302, r.data[:500]
    conv = db.session.scalar(sa.select(DevelopmentConversation))
    assert [g.id for g in conv.plan_goals] == [privacy.id]
    # A goal of another unit's plan, or no number: 422, nothing stored.
    for bad in (str(elsewhere.id), "x", "99999999999999999999"):
        r = client.post(
            url,
            data={
                "held_on": dt.date.today().isoformat(),
                "agreed_goals": "Noe annet",
                "plan_goal": [bad],
            },
        )
        assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DevelopmentConversation)) == 1

    # The plan counts: one conversation on a goal is hidden, five are shown.
    plan_page = client.get(f"/competence/plans/A1/{YEAR}").get_data(as_text=True)
    assert "Utviklingssamtaler" in plan_page and "færre enn 5" in plan_page
    for i in range(4):
        conversations.record_conversation(
            org.leader,
            org.employee_a1 if i % 2 else org.colleague,
            dt.date.today(),
            f"Mål {i}",
            goal_ids=[privacy.id],
        )
    db.session.commit()
    counts = conversations.goal_counts(privacy.plan)
    assert counts == {privacy.id: 5, digital.id: 0}
    plan_page = client.get(f"/competence/plans/A1/{YEAR}").get_data(as_text=True)
    row = re.search(r"Alle på nivå 3 i personvern</th>.*?</tr>", plan_page, re.S).group(0)
    assert row.rstrip("</tr>").rstrip().endswith("<td>5</td>")


def test_the_follow_up_date_reminds_employee_and_leader_once(app, org):
    conv = conversations.record_conversation(
        org.leader,
        org.employee,
        dt.date(2027, 1, 4),
        "Ta kurset i personvern",
        follow_up_on=dt.date(2027, 3, 1),
    )
    db.session.commit()
    day_before = dt.datetime(2027, 2, 28, 12, tzinfo=OSLO)
    assert competence_jobs.remind_follow_ups(day_before) == 0
    early = dt.datetime(2027, 3, 1, 6, tzinfo=OSLO)  # before 07:00 in Norway
    assert competence_jobs.remind_follow_ups(early) == 0
    morning = dt.datetime(2027, 3, 1, 7, 13, tzinfo=OSLO)
    assert competence_jobs.remind_follow_ups(morning) == 1
    assert competence_jobs.remind_follow_ups(morning + dt.timedelta(hours=1)) == 0
    mails = _mails(app)
    assert sorted(m["To"] for m in mails) == sorted([org.employee.email, org.leader.email])
    body = mails[0].get_body(("plain",)).get_content()
    assert f"/competence/people/{org.employee.id}/conversations" in body
    assert "Ta kurset i personvern" in body
    db.session.refresh(conv)
    assert conv.follow_up_reminded_at is not None
