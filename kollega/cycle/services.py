"""Use cases of the annual cycle: plan events, expand recurrence, who is invited and
who sees what. Attendance and reflections are in ``attendance``, the calendar feed in
``feeds``.

Times are stored in UTC; recurrence is computed in Europe/Oslo so that a series
at 09:00 stays at 09:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from dateutil import rrule as du_rrule
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.clock import OSLO
from kollega.cycle.models import (
    EVENT_KINDS,
    STOP_KINDS,
    CycleEvent,
)
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.org.models import OrgUnit, Person, PersonRole

ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 60 * 24 * 60  # 60 days
MAX_WINDOW = dt.timedelta(days=800)
MAX_OCCURRENCES = 1000  # per event and expansion
COMPETENCE_CODE = re.compile(r"^[A-Za-z0-9_.\-]+:[A-Za-z0-9_.\-]+$")

KIND_LABELS = {
    "planning_period": _l("Planning period"),
    "inspiration": _l("Inspiration"),
    "innovation": _l("Innovation"),
    "learning_stop": _l("Learning stop"),
    "evaluation_stop": _l("Evaluation stop"),
    "annual_evaluation": _l("Annual evaluation"),
}

STATUS_LABELS = {
    "invited": _l("Invited"),
    "attending": _l("Yes"),
    "maybe": _l("Maybe"),
    "declined": _l("No"),
    "attended": _l("Attended"),
}

# Reflection prompt templates. Learning stops look back on practice; evaluation stops
# follow KS's step 7 (reaction, learning, use at work, benefit).
LEARNING_STOP_PROMPTS = (
    _l("What did we try in our work since the last stop, and what happened?"),
    _l("What did we learn, and what surprised us?"),
    _l("What will we do differently at work from now on?"),
    _l("Which competence did we practise, and who can help others with it?"),
)
EVALUATION_STOP_PROMPTS = (
    _l("Reaction: how did you experience the measure?"),
    _l("Learning: what did you learn?"),
    _l("Use at work: how do you use it in your daily work?"),
    _l("Benefit: what difference has it made for those we serve and for the unit?"),
)

# Recurrence presets offered by the form.
PRESETS = {
    "": (_l("Does not repeat"), None),
    "weekly": (_l("Every week"), "FREQ=WEEKLY"),
    "every_sixth_week": (_l("Every sixth week"), "FREQ=WEEKLY;INTERVAL=6"),
    "first_tuesday": (_l("First Tuesday of the month"), "FREQ=MONTHLY;BYDAY=1TU"),
    "monthly": (_l("Every month on the same date"), "FREQ=MONTHLY"),
    "yearly": (_l("Every year"), "FREQ=YEARLY"),
}


def default_prompts(kind: str) -> list[str]:
    """The prompt template for a kind of stop (empty for other kinds)."""
    if kind == "learning_stop":
        return [str(p) for p in LEARNING_STOP_PROMPTS]
    if kind == "evaluation_stop":
        return [str(p) for p in EVALUATION_STOP_PROMPTS]
    return []


# --- time and recurrence -------------------------------------------------------------


def to_utc(value: dt.datetime) -> dt.datetime:
    """Aware datetimes are converted; naive ones are read as Europe/Oslo wall time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=OSLO)
    return value.astimezone(dt.UTC)


def parse_datetime(raw: Any, field: str) -> dt.datetime:
    """An ISO 8601 date-time (naive = Europe/Oslo) as aware UTC, or a 422 for ``field``."""
    if isinstance(raw, dt.datetime):
        return to_utc(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(
            _l("Give a date and time."), fields={field: _l("Give a date and time.")}
        )
    text = raw.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        message = _l("Not a date and time (use ISO 8601, for example 2027-03-02T09:00).")
        raise ValidationError(message, fields={field: message}) from None
    return to_utc(value)


_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(Z?)")


def normalise_rrule(raw: str | None) -> str | None:
    """A clean RRULE value (``FREQ=...;...``) or None; 422 when it is not valid.

    A local UNTIL (no ``Z``) is read as Europe/Oslo and stored in UTC, as RFC 5545 asks
    when DTSTART has a time zone."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    bad = _l("Not a valid recurrence rule (RRULE), for example FREQ=WEEKLY;INTERVAL=6.")
    if "\n" in text or "DTSTART" in text or len(text) > 400:
        raise ValidationError(bad, fields={"rrule": bad})

    def fix_until(match: re.Match[str]) -> str:
        day, time, zulu = match.group(1), match.group(2), match.group(3)
        if zulu:
            return match.group(0)
        try:
            local = dt.datetime.strptime(day + (time or "T235959"), "%Y%m%dT%H%M%S")
        except ValueError:
            return match.group(0)
        utc = local.replace(tzinfo=OSLO).astimezone(dt.UTC)
        return "UNTIL=" + utc.strftime("%Y%m%dT%H%M%SZ")

    text = _UNTIL.sub(fix_until, text)
    freq = re.search(r"(?:^|;)FREQ=([A-Z]+)", text)
    if not freq:
        raise ValidationError(bad, fields={"rrule": bad})
    if re.search(r"(?:^|;)BY(?:HOUR|MINUTE|SECOND)=", text):
        message = _l("The start time gives the time of day; the rule gives the days.")
        raise ValidationError(message, fields={"rrule": message})
    if freq.group(1) not in ALLOWED_FREQS:
        message = _l("Events may repeat daily, weekly, monthly or yearly, not more often.")
        raise ValidationError(message, fields={"rrule": message})
    reference = dt.datetime(2027, 1, 5, 9, tzinfo=OSLO)
    try:
        du_rrule.rrulestr(text, dtstart=reference)
        # A rule that never produces a date would make expansion search to year 9999:
        # probe a bounded copy (without COUNT/UNTIL, up to eight years) for one date.
        parts = [p for p in text.split(";") if not p.startswith(("UNTIL=", "COUNT="))]
        probe = du_rrule.rrulestr(";".join([*parts, "UNTIL=20350101T000000Z"]), dtstart=reference)
        if probe.after(reference, inc=True) is None:
            message = _l("The rule never gives a date.")
            raise ValidationError(message, fields={"rrule": message})
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ValidationError(bad, fields={"rrule": bad}) from None
    return text


@dataclass(frozen=True)
class Occurrence:
    """One concrete instance of an event (UTC)."""

    event: CycleEvent
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def key(self) -> str:
        """The occurrence's id in URLs: its UTC start, compact."""
        return occurrence_key(self.starts_at)


def occurrence_key(start: dt.datetime) -> str:
    return start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_occurrence_key(key: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise NotFound(_l("No such occurrence.")) from None


def exdates(event: CycleEvent) -> set[dt.datetime]:
    out = set()
    for raw in event.exdates or []:
        try:
            out.add(to_utc(dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))))
        except ValueError:
            continue
    return out


def _ruleset(event: CycleEvent) -> du_rrule.rruleset:
    rules = du_rrule.rruleset()
    start_local = event.starts_at.astimezone(OSLO)
    rules.rrule(du_rrule.rrulestr(event.rrule or "", dtstart=start_local))  # type: ignore[arg-type]
    for ex in exdates(event):
        rules.exdate(ex.astimezone(OSLO))
    return rules


def occurrences(event: CycleEvent, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """Occurrences of ``event`` that overlap [start, end), in order."""
    duration = event.duration
    if not event.rrule:
        if event.starts_at < end and event.ends_at > start:
            if event.starts_at in exdates(event):
                return []
            return [Occurrence(event, event.starts_at, event.ends_at)]
        return []
    out = []
    lo = (start - duration).astimezone(OSLO)
    hi = end.astimezone(OSLO)
    for local in itertools.islice(_ruleset(event).xafter(lo, inc=True), MAX_OCCURRENCES):
        if local > hi:
            break
        begin = local.astimezone(dt.UTC)
        finish = (local.replace(tzinfo=None) + duration).replace(tzinfo=OSLO).astimezone(dt.UTC)
        if begin < end and finish > start:
            out.append(Occurrence(event, begin, finish))
    return out


def occurrence_at(event: CycleEvent, start: dt.datetime) -> Occurrence:
    """The occurrence of ``event`` that starts at ``start``, or 404."""
    for occ in occurrences(event, start, start + dt.timedelta(seconds=1)):
        if occ.starts_at == start:
            return occ
    raise NotFound(_l("No such occurrence."))


# --- audience and permissions ----------------------------------------------------------


def get_event(event_id: int) -> CycleEvent:
    event = db.session.get(CycleEvent, event_id)
    if event is None:
        raise NotFound(_l("No such event."))
    return event


def is_invited(person: Person, event: CycleEvent) -> bool:
    """Whether the person belongs to the event's audience."""
    if not person.active:
        return False
    if event.municipality_wide:
        return not person.is_guest
    if event.unit is not None:
        unit = person.unit
        return unit is not None and unit.path.startswith(event.unit.path)
    if event.network_id is not None:
        return person.id in networks.member_ids(event.network_id)
    return False


def invitees(event: CycleEvent) -> list[Person]:
    """Everyone invited: the unit's subtree, the network's members, or everyone."""
    stmt = sa.select(Person).where(Person.active.is_(True)).order_by(Person.name, Person.id)
    if event.municipality_wide:
        # Person.is_guest in SQL: filtering in Python loaded every person's roles one query
        # at a time, which took ~29 s of a stop opening for 6,500 members.
        def holders(role: str) -> sa.Select[Any]:
            return sa.select(PersonRole.person_id).where(PersonRole.role == role)

        not_guest = sa.or_(Person.id.not_in(holders("guest")), Person.id.in_(holders("employee")))
        return list(db.session.scalars(stmt.where(not_guest)))
    if event.unit is not None:
        sub = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(event.unit.path))
        return list(db.session.scalars(stmt.where(Person.unit_id.in_(sub))))
    if event.network_id is not None:
        ids = networks.member_ids(event.network_id)
        return list(db.session.scalars(stmt.where(Person.id.in_(ids)))) if ids else []
    return []


def can_view_event(actor: Person | None, event: CycleEvent) -> bool:
    """Its audience and its planners see an event; HR sees the municipality's and the
    units' events too. A network's events are its members' business (invite-only and
    request networks alike, as their messages are): no role, HR and admin included,
    sees them except as a member or facilitator."""
    if not permissions.is_authenticated(actor):
        return False
    assert actor is not None
    if is_invited(actor, event) or permissions.can_plan_cycle_event(actor, event):
        return True
    of_network = not event.municipality_wide and event.unit is None
    return not of_network and permissions.is_hr(actor)


def require_view(actor: Person | None, event: CycleEvent) -> None:
    """``can_view_event`` or refuse: a network's event is a 404 (a closed network's
    events do not say that they exist), any other a 403."""
    if can_view_event(actor, event):
        return
    if not event.municipality_wide and event.unit is None:
        raise NotFound(_l("No such event."))
    permissions.require(False)


def _visible_filter(person: Person) -> sa.ColumnElement[bool]:
    """Events in the person's cycle: municipality-wide periods, their unit chain,
    the subtrees they lead, their networks."""
    clauses: list[sa.ColumnElement[bool]] = []
    if not person.is_guest:
        clauses.append(CycleEvent.municipality_wide.is_(True))
    if person.unit is not None:
        clauses.append(CycleEvent.unit_id.in_(person.unit.ancestor_ids()))
    paths = permissions.led_paths(person)
    if paths:
        sub = sa.select(OrgUnit.id).where(sa.or_(*[OrgUnit.path.startswith(p) for p in paths]))
        clauses.append(CycleEvent.unit_id.in_(sub))
    network_ids = networks.network_ids_of(person)
    if network_ids:
        clauses.append(CycleEvent.network_id.in_(network_ids))
    return sa.or_(*clauses) if clauses else sa.false()


def events_for(person: Person) -> list[CycleEvent]:
    """Every event in the person's annual cycle."""
    stmt = sa.select(CycleEvent).where(_visible_filter(person)).order_by(CycleEvent.starts_at)
    return list(db.session.scalars(stmt))


def unit_cycle_events(actor: Person, unit: OrgUnit) -> list[CycleEvent]:
    """A unit's annual cycle (its own events, its ancestors' and the municipality's),
    for people in the unit, its leader chain and HR."""
    inside = actor.unit is not None and actor.unit.path.startswith(unit.path)
    permissions.require(
        inside or permissions.can_manage_unit(actor, unit),
        _l("You may only see the annual cycle of your own units."),
    )
    stmt = (
        sa.select(CycleEvent)
        .where(
            sa.or_(
                CycleEvent.municipality_wide.is_(True),
                CycleEvent.unit_id.in_(unit.ancestor_ids()),
            )
        )
        .order_by(CycleEvent.starts_at)
    )
    return list(db.session.scalars(stmt))


def expand(events: Iterable[CycleEvent], start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """Occurrences of all ``events`` in [start, end), sorted by start."""
    if end <= start:
        raise ValidationError(
            _l("The end of the period must be after its start."),
            fields={"to": _l("Must be after the start.")},
        )
    if end - start > MAX_WINDOW:
        raise ValidationError(
            _l("Ask for at most two years at a time."), fields={"to": _l("Too long a period.")}
        )
    out = [occ for event in events for occ in occurrences(event, start, end)]
    return sorted(out, key=lambda o: (o.starts_at, o.event.id))


# --- planning --------------------------------------------------------------------------


def _clean_reminders(raw: Any) -> list[int]:
    message = _l("Reminders are whole numbers of minutes before the start (at most 60 days).")
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple) or len(raw) > MAX_REMINDERS:
        raise ValidationError(message, fields={"reminders": message})
    out = set()
    for value in raw:
        if isinstance(value, bool):
            raise ValidationError(message, fields={"reminders": message})
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            raise ValidationError(message, fields={"reminders": message}) from None
        if str(value).strip() != str(minutes) and not isinstance(value, int):
            raise ValidationError(message, fields={"reminders": message})
        if minutes < 0 or minutes > MAX_REMINDER_MINUTES:
            raise ValidationError(message, fields={"reminders": message})
        out.add(minutes)
    return sorted(out, reverse=True)


def _clean_codes(raw: Any) -> list[str]:
    message = _l("Competence codes look like digcomp-2.2:4.2.")
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [c for c in re.split(r"[,\s]+", raw) if c]
    if not isinstance(raw, list | tuple) or len(raw) > 30:
        raise ValidationError(message, fields={"competences": message})
    codes = [str(c).strip() for c in raw]
    if any(not COMPETENCE_CODE.match(c) for c in codes):
        raise ValidationError(message, fields={"competences": message})
    return list(dict.fromkeys(codes))


def _clean_prompts(raw: Any, kind: str) -> list[str]:
    if raw is None:
        return default_prompts(kind)
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines()]
    message = _l("Prompts are a list of at most 10 questions.")
    if not isinstance(raw, list | tuple) or len(raw) > 10:
        raise ValidationError(message, fields={"prompts": message})
    prompts = [str(p).strip()[:500] for p in raw if str(p).strip()]
    return prompts or default_prompts(kind)


def _clean_exdates(raw: Any) -> list[str]:
    if raw in (None, ""):
        return []
    message = _l("Exceptions are a list of start times of cancelled occurrences.")
    if not isinstance(raw, list | tuple) or len(raw) > 200:
        raise ValidationError(message, fields={"exdates": message})
    return [parse_datetime(v, "exdates").strftime("%Y-%m-%dT%H:%M:%SZ") for v in raw]


def _text(raw: Any, field: str, limit: int, required: bool = False) -> str:
    text = "" if raw is None else str(raw).strip()
    if required and not text:
        raise ValidationError(_l("Required."), fields={field: _l("Required.")})
    if len(text) > limit:
        message = _l("At most %(n)s characters.", n=limit)
        raise ValidationError(message, fields={field: message})
    return text


def _resolve_audience(
    actor: Person, unit_code: Any, network_id: Any, municipality_wide: bool
) -> tuple[OrgUnit | None, int | None]:
    chosen = sum(1 for x in (unit_code, network_id) if x not in (None, "")) + int(
        bool(municipality_wide)
    )
    if chosen != 1:
        message = _l("Choose exactly one of: a unit, a network, or the whole municipality.")
        raise ValidationError(message, fields={"unit": message})
    if municipality_wide:
        permissions.require(
            permissions.can_plan_municipality_cycle(actor),
            _l("Only HR sets municipality-wide periods."),
        )
        return None, None
    if unit_code not in (None, ""):
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == str(unit_code)))
        if unit is None:
            message = _l("No unit with code %(code)s.", code=str(unit_code))
            raise ValidationError(message, fields={"unit": message})
        permissions.require(
            permissions.can_plan_unit_cycle(actor, unit),
            _l("Only the unit's leaders and HR plan its annual cycle."),
        )
        return unit, None
    try:
        nid = int(network_id)
    except (TypeError, ValueError):
        message = _l("Not a network id.")
        raise ValidationError(message, fields={"network": message}) from None
    if not networks.network_exists(nid):
        message = _l("No such network.")
        raise ValidationError(message, fields={"network": message})
    permissions.require(
        permissions.can_plan_network_cycle(actor, nid),
        _l("Only the network's facilitators plan its stops."),
    )
    return None, nid


def create_event(actor: Person, data: dict[str, Any]) -> CycleEvent:
    """Plan an event (one-off or recurring) for a unit, a network or, by HR, the
    whole municipality. ``data`` holds the API's fields; bad input raises 422 with
    fields, a caller who may not plan for the audience gets 403."""
    kind = data.get("kind")
    if kind not in EVENT_KINDS:
        message = _l("Unknown kind of event.")
        raise ValidationError(message, fields={"kind": message})
    municipality_wide = bool(data.get("municipality_wide"))
    unit, network_id = _resolve_audience(
        actor, data.get("unit"), data.get("network"), municipality_wide
    )
    event = CycleEvent(kind=kind, unit=unit, network_id=network_id, created_by=actor)
    event.municipality_wide = municipality_wide
    _apply(event, data, creating=True)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(actor: Person, event: CycleEvent, data: dict[str, Any]) -> CycleEvent:
    """Change an event's details (not its audience)."""
    permissions.require(permissions.can_plan_cycle_event(actor, event))
    if "kind" in data and data["kind"] not in EVENT_KINDS:
        message = _l("Unknown kind of event.")
        raise ValidationError(message, fields={"kind": message})
    event.kind = data.get("kind", event.kind)
    _apply(event, data, creating=False)
    db.session.flush()
    return event


def _apply(event: CycleEvent, data: dict[str, Any], creating: bool) -> None:
    def has(name: str) -> bool:
        return creating or name in data

    errors: dict[str, object] = {}

    def collect(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ValidationError as exc:
            errors.update(exc.fields)
            return None

    if has("title"):
        event.title = collect(_text, data.get("title"), "title", 200, True) or ""
    if has("description"):
        event.description = collect(_text, data.get("description"), "description", 10000) or ""
    if has("agenda"):
        event.agenda = collect(_text, data.get("agenda"), "agenda", 10000) or ""
    if has("location"):
        event.location = collect(_text, data.get("location"), "location", 300) or ""
    if has("video_url"):
        url = collect(_text, data.get("video_url"), "video_url", 500) or ""
        if url and not url.startswith(("https://", "http://")):
            errors["video_url"] = _l("A video link starts with https://.")
        event.video_url = url
    starts = (
        collect(parse_datetime, data.get("starts_at"), "starts_at") if has("starts_at") else None
    )
    ends = collect(parse_datetime, data.get("ends_at"), "ends_at") if has("ends_at") else None
    starts = starts or event.starts_at
    ends = ends or event.ends_at
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = _l("The event must end after it starts.")
    if starts is not None and ends is not None and ends - starts > dt.timedelta(days=92):
        errors["ends_at"] = _l("An event lasts at most three months.")
    if has("rrule"):
        event.rrule = collect(normalise_rrule, data.get("rrule"))
    if has("exdates"):
        event.exdates = collect(_clean_exdates, data.get("exdates")) or []
    if has("reminders"):
        event.reminders = collect(_clean_reminders, data.get("reminders")) or []
    if has("competences"):
        event.competences = collect(_clean_codes, data.get("competences")) or []
    if has("prompts") or creating:
        prompts = collect(_clean_prompts, data.get("prompts"), event.kind) or []
        event.prompts = prompts if event.kind in STOP_KINDS else []
    if errors:
        first = next(iter(errors.values()))
        raise ValidationError(
            _l("The event could not be saved: %(reason)s", reason=first), fields=errors
        )
    event.starts_at, event.ends_at = starts, ends  # type: ignore[assignment]


def cancel_occurrence(actor: Person, event: CycleEvent, start: dt.datetime) -> None:
    """Cancel one occurrence of a series (an EXDATE)."""
    permissions.require(permissions.can_plan_cycle_event(actor, event))
    occurrence_at(event, start)
    stamp = start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event.exdates = [*(event.exdates or []), stamp]
    db.session.flush()


def delete_event(actor: Person, event: CycleEvent) -> None:
    permissions.require(permissions.can_plan_cycle_event(actor, event))
    db.session.delete(event)
    db.session.flush()


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
