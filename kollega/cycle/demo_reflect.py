"""Demo data: the reflection threads of the latest past stops.

Runs after ``cycle.demo`` (imported at its end): for the latest past occurrence of each
learning and evaluation stop of a unit or network, the thread opens where the scheduler
would open it (the unit's stop space, or the network), kollega posts the prompts, some of
those who came reply, and the summary (answers and replies) is posted and stored on the
occurrence's close record, as the scheduler does for the stops still to come."""

from __future__ import annotations

import sqlalchemy as sa

from kollega.cycle import attendance, dispatch, reflection, services
from kollega.cycle.models import STOP_KINDS, CycleEvent, Dispatch
from kollega.db import now_utc
from kollega.demo.seed import DemoContext, demo_step
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.org.models import Person

REPLIES = (
    "Vi prøvde ut en ny rutine for overlevering, og den sparte oss for mange spørsmål.",
    "Det hjalp å se hvordan kollegaene på den andre avdelingen løste det samme.",
    "Jeg tar med meg at vi bør dele erfaringene oftere, ikke bare på stoppene.",
    "Vi trenger mer tid til å øve på det digitale verktøyet før vi tar det i bruk.",
    "Refleksjonen i par var nyttig: vi fant to ting vi kan gjøre annerledes.",
)


@demo_step
def reflection_threads(ctx: DemoContext) -> None:
    """Open, answer and sum up the latest past occurrence of every stop (at most 80)."""
    now = now_utc()
    opened = list(
        db.session.execute(
            sa.select(Dispatch.event_id, sa.func.max(Dispatch.occurrence_start))
            .join(CycleEvent, CycleEvent.id == Dispatch.event_id)
            .where(
                Dispatch.action == "close",
                Dispatch.occurrence_start < now,
                CycleEvent.kind.in_(STOP_KINDS),
            )
            .group_by(Dispatch.event_id)
            .limit(80)
        )
    )
    kollega = reflection.system_person()
    for event_id, start in opened:
        event = db.session.get(CycleEvent, event_id)
        if event is None:
            continue
        network_id = reflection.stop_network(event)
        if network_id is None:
            continue
        occ = services.occurrence_at(event, start)
        thread_id = networks.open_learning_stop_thread(
            network_id,
            title=event.title,
            body=dispatch._prompt_text(event, occ),
            competences=list(event.competences or []),
            author=kollega,
        )
        if thread_id is None:
            continue
        came = [a.person_id for a in attendance.attendance_of(event, start) if a.checked_in_at]
        ctx.rng.shuffle(came)
        for person_id in came[: ctx.rng.randint(1, 4)]:
            person = db.session.get(Person, person_id)
            if person is None:
                continue
            networks.post_to_thread(thread_id, ctx.rng.choice(REPLIES), person)
        summary = attendance.summarise(event, start, reflection.replies_in(thread_id))
        networks.post_to_thread(thread_id, dispatch.summary_text(event, summary), kollega)
        for row in db.session.scalars(
            sa.select(Dispatch).where(
                Dispatch.event_id == event.id, Dispatch.occurrence_start == start
            )
        ):
            if row.action in ("open", "close"):
                row.thread_id = thread_id
            if row.action == "close":
                row.summary = summary
    db.session.flush()
