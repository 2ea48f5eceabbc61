"""Demo learning networks: 44 networks across the demo municipality, with members and a
year of Norwegian threads, inserted in bulk (one INSERT per table and chunk).

The fixed sign-ins take part: the demo employee is in several networks and has unread
messages, the demo leader is in the leaders' networks, the demo guest (a citizen) is a
guest in "Innbyggermedvirkning i planarbeid", and a network facilitator gets the fixed
sign-in ``fasilitator.nettverk@demo.kollega.no``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from kollega.demo.seed import DemoContext, DemoPerson, demo_step, register_login
from kollega.extensions import db
from kollega.networks.demo_content import ALL, NETWORKS
from kollega.networks.demo_topics import GENERIC_REPLIES, REPLIES, TOPICS
from kollega.networks.models import (
    REACTIONS,
    Message,
    Network,
    NetworkMember,
    Reaction,
    Thread,
    ThreadFollow,
    ThreadRead,
)
from kollega.networks.render import render_markdown

FACILITATOR_ROLE = "network facilitator"
register_login(FACILITATOR_ROLE, "fasilitator.nettverk@demo.kollega.no")

CHUNK = 1000
GUEST_NETWORK = "Innbyggermedvirkning i planarbeid"
FACILITATOR_NETWORK = "Digital hverdag i hjemmetjenesten"


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i : i + CHUNK]


def _insert_returning_ids(column: Any, rows: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    model = column.class_
    for chunk in _chunks(rows):
        ids.extend(
            db.session.scalars(
                sa.insert(model).returning(column, sort_by_parameter_order=True), chunk
            )
        )
    return ids


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(sa.insert(model), chunk)


def _pool(ctx: DemoContext, unit_types: Sequence[str]) -> list[DemoPerson]:
    """Employees of the units of these types (the whole municipality for ``ALL``)."""
    employees = [p for p in ctx.people if "employee" in p.roles and p.unit_id is not None]
    if tuple(unit_types) == ALL:
        return employees
    paths = [u.path for u in ctx.units if u.type in unit_types]
    if not paths:
        return []
    inside = {u.id for u in ctx.units if any(u.path.startswith(p) for p in paths)}
    return [p for p in employees if p.unit_id in inside]


@demo_step
def networks(ctx: DemoContext) -> None:
    """Learning networks with members, threads, messages, reactions and read markers."""
    rng = ctx.rng
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    year_ago = now - dt.timedelta(days=365)
    employees = [p for p in ctx.people if "employee" in p.roles and p.unit_id is not None]
    leaders = [p for p in ctx.leaders() if "employee" in p.roles]
    fixed = ctx.accounts
    demo_employee = fixed.get("employee")
    demo_leader = fixed.get("leader")
    demo_guest = fixed.get("guest")

    # 1. Networks and who is in them.
    network_rows: list[dict[str, Any]] = []
    memberships: list[dict[int, str]] = []  # per network: person id -> role
    for name, purpose, kind, visibility, unit_types, competences, _topic in NETWORKS:
        pool = _pool(ctx, unit_types) or employees
        if kind == "leaders":
            pool = [p for p in pool if p.leads] or leaders or pool
        size = min(len(pool), rng.randint(6, 12) if kind == "leaders" else rng.randint(8, 40))
        chosen = rng.sample(pool, size)
        roles = {p.id: "member" for p in chosen}
        facilitators = [p for p in chosen if p.leads] if kind == "leaders" else chosen
        for p in rng.sample(facilitators or chosen, min(2, len(facilitators or chosen))):
            roles[p.id] = "facilitator"
        creator = next(pid for pid, role in roles.items() if role == "facilitator")
        unit_id = ctx.person(creator).unit_id
        if demo_employee and (visibility != "invite" and kind != "leaders") and rng.random() < 0.3:
            roles.setdefault(demo_employee, "member")
        if demo_leader and kind == "leaders" and rng.random() < 0.6:
            roles.setdefault(demo_leader, "member")
        memberships.append(roles)
        created = year_ago - dt.timedelta(days=rng.randint(5, 200))
        network_rows.append(
            {
                "name": name,
                "purpose": purpose,
                "kind": kind,
                "visibility": visibility,
                "unit_id": unit_id,
                "target_competences": list(competences),
                "status": "active",
                "edit_window_minutes": 60,
                "created_by_id": creator,
                "created_at": created,
            }
        )
    names = [row["name"] for row in network_rows]
    # The fixed sign-ins: the demo employee in privacy at school (a teacher), the
    # facilitator in home care, the guest with the citizens.
    if demo_employee:
        memberships[names.index("Personvern i skolen")].setdefault(demo_employee, "member")
        memberships[names.index("Lesing i småskolen")].setdefault(demo_employee, "member")
    if demo_leader:
        memberships[names.index("Ledernettverk oppvekst")].setdefault(demo_leader, "facilitator")
    home_care = memberships[names.index(FACILITATOR_NETWORK)]
    facilitator_id = next(
        (pid for pid, role in home_care.items() if role == "facilitator"), next(iter(home_care))
    )
    ctx.assign_login(FACILITATOR_ROLE, facilitator_id)
    guest_members: set[tuple[int, int]] = set()
    if demo_guest:
        index = names.index(GUEST_NETWORK)
        memberships[index][demo_guest] = "member"
        guest_members.add((index, demo_guest))

    network_ids = _insert_returning_ids(Network.id, network_rows)
    member_rows = []
    for index, (nid, roles) in enumerate(zip(network_ids, memberships, strict=True)):
        joined = network_rows[index]["created_at"]
        for pid, role in roles.items():
            member_rows.append(
                {
                    "network_id": nid,
                    "person_id": pid,
                    "role": role,
                    "state": "active",
                    "guest": (index, pid) in guest_members,
                    "created_at": joined,
                    "joined_at": joined + dt.timedelta(days=rng.randint(0, 30)),
                }
            )
    # A few open requests for the facilitators to answer.
    for index, nid in enumerate(network_ids):
        if network_rows[index]["visibility"] == "request":
            outside = [p for p in employees if p.id not in memberships[index]]
            for p in rng.sample(outside, min(2, len(outside))):
                member_rows.append(
                    {
                        "network_id": nid,
                        "person_id": p.id,
                        "role": "member",
                        "state": "requested",
                        "guest": False,
                        "created_at": now - dt.timedelta(days=rng.randint(1, 10)),
                        "joined_at": None,
                    }
                )
    _insert(NetworkMember, member_rows)

    # 2. Threads and their messages, planned in Python with seqs, then inserted.
    thread_rows: list[dict[str, Any]] = []
    planned: list[list[dict[str, Any]]] = []  # messages per thread
    html_cache: dict[str, str] = {}
    client_no = 0
    for index, nid in enumerate(network_ids):
        topic = NETWORKS[index][6]
        people = list(memberships[index])
        templates = TOPICS[topic]
        count = rng.randint(max(3, len(templates) - 2), len(templates) + 3)
        for t in range(count):
            title, kind, opening = templates[t % len(templates)]
            if t >= len(templates):
                title = f"{title} (runde {t // len(templates) + 1})"
            started = year_ago + dt.timedelta(
                days=rng.randint(0, 350), minutes=rng.randint(7 * 60, 15 * 60)
            )
            opener = rng.choice(people)
            bodies = [(opener, opening)]
            for _ in range(rng.randint(1, 9)):
                pool = REPLIES.get(topic, []) + GENERIC_REPLIES
                bodies.append((rng.choice(people), rng.choice(pool)))
            messages = []
            at = started
            for seq, (author, body) in enumerate(bodies, start=1):
                client_no += 1
                if body not in html_cache:
                    html_cache[body] = render_markdown(body)
                messages.append(
                    {
                        "seq": seq,
                        "author_id": author,
                        "client_id": f"demo-{client_no}",
                        "body": body,
                        "body_html": html_cache[body],
                        "created_at": at,
                    }
                )
                at = min(at + dt.timedelta(minutes=rng.randint(5, 60 * 48)), now)
            planned.append(messages)
            thread_rows.append(
                {
                    "network_id": nid,
                    "title": title,
                    "kind": kind,
                    "competence_tags": list(NETWORKS[index][5][:1]),
                    "resolved": kind == "question" and rng.random() < 0.5,
                    "resolved_at": None,
                    "last_seq": len(messages),
                    "last_message_at": messages[-1]["created_at"],
                    "created_by_id": opener,
                    "created_at": started,
                }
            )
    thread_ids = _insert_returning_ids(Thread.id, thread_rows)
    message_rows = []
    for tid, messages in zip(thread_ids, planned, strict=True):
        for m in messages:
            message_rows.append({**m, "thread_id": tid})
    message_ids = _insert_returning_ids(Message.id, message_rows)

    # 3. Accepted answers, reactions, follows and read markers.
    by_thread: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for mid, row in zip(message_ids, message_rows, strict=True):
        by_thread.setdefault(row["thread_id"], []).append((mid, row))
    accepted = []
    reaction_rows = []
    for tid, row in zip(thread_ids, thread_rows, strict=True):
        messages = by_thread[tid]
        if row["resolved"] and len(messages) > 1:
            accepted.append(
                {"tid": tid, "mid": messages[1][0], "at": messages[-1][1]["created_at"]}
            )
        network_people = list(memberships[network_ids.index(row["network_id"])])
        for mid, m in messages:
            if rng.random() < 0.35:
                reactors = rng.sample(network_people, min(len(network_people), rng.randint(1, 4)))
                emoji = rng.choice(REACTIONS[:6])
                for pid in reactors:
                    reaction_rows.append(
                        {
                            "message_id": mid,
                            "person_id": pid,
                            "emoji": emoji,
                            "created_at": m["created_at"],
                        }
                    )
    if accepted:
        db.session.execute(
            sa.update(Thread.__table__)
            .where(Thread.__table__.c.id == sa.bindparam("tid"))
            .values(
                accepted_message_id=sa.bindparam("mid"),
                resolved_at=sa.bindparam("at", type_=Thread.__table__.c.resolved_at.type),
            ),
            accepted,
        )
    _insert(Reaction, reaction_rows)

    follow_rows = [
        {"thread_id": tid, "person_id": row["created_by_id"], "created_at": row["created_at"]}
        for tid, row in zip(thread_ids, thread_rows, strict=True)
    ]
    _insert(ThreadFollow, follow_rows)

    read_rows = []
    for tid, row in zip(thread_ids, thread_rows, strict=True):
        index = network_ids.index(row["network_id"])
        for pid in memberships[index]:
            last = row["last_seq"]
            if pid == demo_employee and rng.random() < 0.4:
                last = max(0, last - rng.randint(1, 3))  # something new to read
            elif rng.random() < 0.1:
                last = max(0, last - 1)
            read_rows.append(
                {"thread_id": tid, "person_id": pid, "last_read_seq": last, "updated_at": now}
            )
    _insert(ThreadRead, read_rows)
    db.session.flush()
