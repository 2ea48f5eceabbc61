"""Competence frameworks as data files, and syncing them into the database.

A framework file is JSON (see ``kollega/frameworks/*.json``): code, version, names and
descriptions in ``nb`` and ``en``, its level scale (with level groups and descriptors),
areas, competences (code, area, covers, focus area, names, descriptions) and links to
competences in other frameworks. ``sync_frameworks`` loads the shipped files and any
in ``<instance>/frameworks/``; it is idempotent: an unchanged file (same SHA-256) is
left alone, a changed one updates its rows, and a competence removed from a file is
kept inactive because assessments may point at it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from kollega import permissions
from kollega.competence.models import (
    COVERS,
    FOCUS_AREAS,
    LINK_KINDS,
    Competence,
    CompetenceLink,
    Framework,
    FrameworkLevel,
)
from kollega.db import now_utc
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import Person

SHIPPED = Path(__file__).resolve().parent.parent / "frameworks"
FRAMEWORK_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,62}$")
LOCAL_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{0,30}$")
LANGS = ("nb", "en")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    links: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {self.links} links"
        )


def framework_dirs() -> list[Path]:
    """Where framework files are read from: the shipped ones, then the instance's own."""
    dirs = [SHIPPED]
    if has_app_context():
        dirs.append(Path(current_app.instance_path) / "frameworks")
    return dirs


def _texts(data: dict[str, Any], key: str, where: str, required: bool = True) -> dict[str, str]:
    value = data.get(key)
    if not required and (
        value is None
        or (isinstance(value, dict) and all(isinstance(value.get(x, ""), str) for x in LANGS))
    ):
        value = value or {}
        return {lang: str(value.get(lang, "")).strip() for lang in LANGS}
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value.get(lang).strip() for lang in LANGS
    ):
        raise ValidationError(
            _l("%(where)s: %(key)s needs a text in nb and en.", where=where, key=key)
        )
    return {lang: value[lang].strip() for lang in LANGS}


def validate_framework(data: Any, where: str = "framework") -> dict[str, Any]:
    """Check a framework document and return it normalised; raises ``ValidationError``."""
    if not isinstance(data, dict):
        raise ValidationError(_l("%(where)s: not a framework document.", where=where))
    code = str(data.get("code", "")).strip()
    if not FRAMEWORK_CODE_RE.match(code):
        raise ValidationError(
            _l(
                "%(where)s: the framework code must be lower-case letters, digits, '.' or '-'.",
                where=where,
            )
        )
    focus = data.get("focus_area", "digital")
    if focus not in FOCUS_AREAS:
        raise ValidationError(
            _l("%(where)s: unknown focus area %(value)s.", where=where, value=focus)
        )
    levels = _norm_levels(data, where)
    areas = _norm_areas(data, where)
    competences = _norm_competences(data, code, focus, {a["code"] for a in areas}, where)
    links = _norm_links(data, where)
    return {
        "code": code,
        "version": str(data.get("version", "1")),
        "name": _texts(data, "name", where),
        "description": _texts(data, "description", where, required=False),
        "reference": str(data.get("source", ""))[:300],
        "focus_area": focus,
        "levels": levels,
        "areas": areas,
        "competences": competences,
        "links": links,
    }


def _norm_levels(data: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The level scale, numbered 1, 2, 3 … in order, with group names and descriptors."""
    levels = data.get("levels")
    if not isinstance(levels, list) or not levels:
        raise ValidationError(_l("%(where)s: a framework needs a level scale.", where=where))
    groups = data.get("level_groups") or {}
    norm_levels = []
    for i, lv in enumerate(levels, start=1):
        if not isinstance(lv, dict) or lv.get("level") != i:
            raise ValidationError(
                _l("%(where)s: levels must be numbered 1, 2, 3 … in order.", where=where)
            )
        group = str(lv.get("group", ""))
        gnames = groups.get(group) or {"nb": "", "en": ""}
        norm_levels.append(
            {
                "level": i,
                "group": group,
                "group_names": {lang: str(gnames.get(lang, "")) for lang in LANGS},
                "name": _texts(lv, "name", f"{where} level {i}"),
                "descriptor": _texts(lv, "descriptor", f"{where} level {i}", required=False),
            }
        )
    return norm_levels


def _norm_areas(data: dict[str, Any], where: str) -> list[dict[str, Any]]:
    areas = []
    for area in data.get("areas") or []:
        acode = str(area.get("code", "")).strip()
        if not acode:
            raise ValidationError(_l("%(where)s: an area has no code.", where=where))
        areas.append({"code": acode, "name": _texts(area, "name", f"{where} area {acode}")})
    return areas


def _norm_competences(
    data: dict[str, Any], code: str, focus: str, area_codes: set[str], where: str
) -> list[dict[str, Any]]:
    """The competences, each with a unique local code, a known area, covers and focus."""
    competences = []
    seen: set[str] = set()
    for comp in data.get("competences") or []:
        local = str(comp.get("code", "")).strip()
        if not LOCAL_CODE_RE.match(local) or local in seen:
            raise ValidationError(
                _l(
                    "%(where)s: competence code %(code)s is missing, malformed or repeated.",
                    where=where,
                    code=local,
                )
            )
        seen.add(local)
        competences.append(_norm_competence(comp, local, focus, area_codes, f"{code}:{local}"))
    return competences


def _norm_competence(
    comp: dict[str, Any], local: str, focus: str, area_codes: set[str], cwhere: str
) -> dict[str, Any]:
    area = str(comp.get("area", "")).strip()
    if area_codes and area not in area_codes:
        raise ValidationError(_l("%(where)s: unknown area %(area)s.", where=cwhere, area=area))
    covers = comp.get("covers") or []
    if not isinstance(covers, list) or any(c not in COVERS for c in covers):
        raise ValidationError(
            _l(
                "%(where)s: covers must be among knowledge, skills, attitudes, abilities.",
                where=cwhere,
            )
        )
    cfocus = comp.get("focus_area", focus)
    if cfocus not in FOCUS_AREAS:
        raise ValidationError(
            _l("%(where)s: unknown focus area %(value)s.", where=cwhere, value=cfocus)
        )
    return {
        "code": local,
        "area": area,
        "covers": [c for c in COVERS if c in covers],
        "focus_area": cfocus,
        "name": _texts(comp, "name", cwhere),
        "description": _texts(comp, "description", cwhere, required=False),
    }


def _norm_links(data: dict[str, Any], where: str) -> list[dict[str, str]]:
    links = []
    for link in data.get("links") or []:
        if link.get("kind") not in LINK_KINDS or ":" not in str(link.get("from", "")):
            raise ValidationError(_l("%(where)s: a link is malformed.", where=where))
        links.append(
            {"from": str(link["from"]), "to": str(link.get("to", "")), "kind": link["kind"]}
        )
    return links


def load_file(path: Path) -> tuple[dict[str, Any], str]:
    """Read and validate one framework file; returns (document, sha256)."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            _l("%(file)s is not valid JSON: %(reason)s", file=path.name, reason=str(exc))
        ) from None
    return validate_framework(data, path.name), hashlib.sha256(raw).hexdigest()


def apply_framework(doc: dict[str, Any], content_hash: str, source: str = "file") -> Framework:
    """Create or update the framework, its levels and competences from a document."""
    fw = db.session.scalar(sa.select(Framework).where(Framework.code == doc["code"]))
    if fw is None:
        fw = Framework(code=doc["code"])
        db.session.add(fw)
    fw.version = doc["version"]
    fw.name_nb, fw.name_en = doc["name"]["nb"], doc["name"]["en"]
    fw.description_nb, fw.description_en = doc["description"]["nb"], doc["description"]["en"]
    fw.focus_area = doc["focus_area"]
    fw.reference = doc["reference"]
    fw.source = source
    fw.active = True
    fw.areas = [
        {"code": a["code"], "name_nb": a["name"]["nb"], "name_en": a["name"]["en"]}
        for a in doc["areas"]
    ]
    fw.content_hash = content_hash
    fw.synced_at = now_utc()
    db.session.flush()

    existing_levels = {lv.level: lv for lv in fw.levels}
    for lv in doc["levels"]:
        row = existing_levels.pop(lv["level"], None)
        if row is None:
            row = FrameworkLevel(level=lv["level"])
            fw.levels.append(row)
        row.group_code = lv["group"]
        row.group_nb, row.group_en = lv["group_names"]["nb"], lv["group_names"]["en"]
        row.name_nb, row.name_en = lv["name"]["nb"], lv["name"]["en"]
        row.descriptor_nb, row.descriptor_en = lv["descriptor"]["nb"], lv["descriptor"]["en"]
    for row in existing_levels.values():
        fw.levels.remove(row)

    existing = {
        c.local_code: c
        for c in db.session.scalars(sa.select(Competence).where(Competence.framework_id == fw.id))
    }
    for position, comp in enumerate(doc["competences"]):
        row = existing.pop(comp["code"], None)
        if row is None:
            row = Competence(framework_id=fw.id, local_code=comp["code"])
            db.session.add(row)
        row.code = f"{fw.code}:{comp['code']}"
        row.area = comp["area"]
        row.name_nb, row.name_en = comp["name"]["nb"], comp["name"]["en"]
        row.description_nb = comp["description"]["nb"]
        row.description_en = comp["description"]["en"]
        row.covers = ",".join(comp["covers"])
        row.focus_area = comp["focus_area"]
        row.position = position
        row.active = True
    for row in existing.values():
        row.active = False
    db.session.flush()
    return fw


def apply_links(docs: list[dict[str, Any]]) -> int:
    """Make the links declared in these documents exist (and only those, for links
    starting in their competences). Links to unknown competences are skipped."""
    codes = {
        code: cid for cid, code in db.session.execute(sa.select(Competence.id, Competence.code))
    }
    count = 0
    for doc in docs:
        prefix = doc["code"] + ":"
        wanted: dict[tuple[int, int], str] = {}
        for link in doc["links"]:
            a, b = codes.get(link["from"]), codes.get(link["to"])
            if a is None or b is None or a == b or not link["from"].startswith(prefix):
                continue
            wanted[(a, b)] = link["kind"]
        own_ids = [cid for code, cid in codes.items() if code.startswith(prefix)]
        if not own_ids:
            continue
        current = {
            (ln.from_id, ln.to_id): ln
            for ln in db.session.scalars(
                sa.select(CompetenceLink).where(CompetenceLink.from_id.in_(own_ids))
            )
        }
        for key, link in current.items():
            if key not in wanted:
                db.session.delete(link)
            elif link.kind != wanted[key]:
                link.kind = wanted[key]
        for key, kind in wanted.items():
            if key not in current:
                db.session.add(CompetenceLink(from_id=key[0], to_id=key[1], kind=kind))
        count += len(wanted)
    db.session.flush()
    return count


def sync_frameworks(extra: list[Path] | None = None) -> SyncReport:
    """Load every framework file (shipped, instance, ``extra``) into the database.

    Idempotent: running it twice changes nothing the second time. Flushes, never commits.
    """
    report = SyncReport()
    files: list[Path] = []
    for d in framework_dirs():
        if d.is_dir():
            files.extend(sorted(d.glob("*.json")))
    files.extend(extra or [])
    docs = []
    for path in files:
        doc, digest = load_file(path)
        docs.append(doc)
        fw = db.session.scalar(sa.select(Framework).where(Framework.code == doc["code"]))
        if fw is not None and fw.content_hash == digest and fw.source == "file":
            report.unchanged.append(doc["code"])
            continue
        (report.created if fw is None else report.updated).append(doc["code"])
        apply_framework(doc, digest)
    report.links = apply_links(docs)
    return report


def export_framework(fw: Framework) -> dict[str, Any]:
    """A framework as a document in the file format (HR can download and edit it)."""
    groups: dict[str, dict[str, str]] = {}
    for lv in fw.levels:
        if lv.group_code:
            groups[lv.group_code] = {"nb": lv.group_nb, "en": lv.group_en}
    comps = [c for c in fw.competences if c.active]
    links = db.session.scalars(
        sa.select(CompetenceLink).where(CompetenceLink.from_id.in_([c.id for c in comps] or [0]))
    )
    return {
        "code": fw.code,
        "version": fw.version,
        "name": {"nb": fw.name_nb, "en": fw.name_en},
        "description": {"nb": fw.description_nb, "en": fw.description_en},
        "source": fw.reference,
        "focus_area": fw.focus_area,
        "levels": [
            {
                "level": lv.level,
                "group": lv.group_code,
                "name": {"nb": lv.name_nb, "en": lv.name_en},
                "descriptor": {"nb": lv.descriptor_nb, "en": lv.descriptor_en},
            }
            for lv in fw.levels
        ],
        "level_groups": groups,
        "areas": [
            {"code": a["code"], "name": {"nb": a["name_nb"], "en": a["name_en"]}}
            for a in fw.areas or []
        ],
        "competences": [
            {
                "code": c.local_code,
                "area": c.area,
                "covers": c.covers_list,
                "focus_area": c.focus_area,
                "name": {"nb": c.name_nb, "en": c.name_en},
                "description": {"nb": c.description_nb, "en": c.description_en},
            }
            for c in comps
        ],
        "links": [{"from": ln.source.code, "to": ln.target.code, "kind": ln.kind} for ln in links],
    }


# --- HR's framework editor: an upload, a new framework, an edit ----------------------------

MAX_UPLOAD_BYTES = 2_000_000


def _read_upload(upload: FileStorage | None) -> tuple[Any, str]:
    """The uploaded file's JSON and its name; a 422 on the file field otherwise."""
    if upload is None or not upload.filename:
        msg = _l("Choose a framework file (JSON).")
        raise ValidationError(msg, fields={"file": msg})
    try:
        data = json.loads(upload.read(MAX_UPLOAD_BYTES).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        msg = _l("The file is not valid JSON.")
        raise ValidationError(msg, fields={"file": msg}) from None
    return data, upload.filename


def _framework_by_code(code: str) -> Framework | None:
    return db.session.scalar(sa.select(Framework).where(Framework.code == code))


def upload_framework(actor: Person, upload: FileStorage | None) -> str:
    """HR uploads a framework file: validated, then created or updated (with its links)
    as the application's own. A shipped framework is changed in its data file, not here.
    Returns the framework's code."""
    permissions.require(permissions.can_manage_frameworks(actor))
    data, filename = _read_upload(upload)
    doc = validate_framework(data, filename)
    existing = _framework_by_code(doc["code"])
    if existing is not None and existing.source == "file":
        msg = _l("%(code)s is a shipped framework; change its data file instead.", code=doc["code"])
        raise ValidationError(msg, fields={"file": msg})
    apply_framework(doc, "", source="app")
    apply_links([doc])
    return str(doc["code"])


def create_framework(
    actor: Person,
    code: str,
    version: str,
    name: dict[str, str],
    description: dict[str, str],
    focus_area: str,
    levels: int,
) -> str:
    """HR starts a framework with a scale of ``levels`` numbered levels and no competences
    yet. Returns its code."""
    permissions.require(permissions.can_manage_frameworks(actor))
    if not 2 <= levels <= 10:
        msg = _l("A scale has from 2 to 10 levels.")
        raise ValidationError(msg, fields={"levels": msg})
    doc = {
        "code": code.strip(),
        "version": version.strip() or "1",
        "name": name,
        "description": description,
        "focus_area": focus_area,
        "levels": [
            {"level": i, "name": {"nb": str(i), "en": str(i)}} for i in range(1, levels + 1)
        ],
        "areas": [],
        "competences": [],
    }
    norm = validate_framework(doc, _("new framework"))
    if db.session.scalar(sa.select(Framework.id).where(Framework.code == norm["code"])):
        msg = _l("A framework with this code exists already.")
        raise ValidationError(msg, fields={"code": msg})
    apply_framework(norm, "", source="app")
    return str(norm["code"])


def _editable_document(actor: Person, fw: Framework) -> dict[str, Any]:
    permissions.require(permissions.can_manage_frameworks(actor))
    if fw.source == "file":
        msg = _l("%(code)s is a shipped framework; change its data file instead.", code=fw.code)
        raise ValidationError(msg)
    return export_framework(fw)


def _save_edit(fw: Framework, doc: dict[str, Any]) -> None:
    if not doc["areas"]:
        doc.pop("areas")
    apply_framework(validate_framework(doc, fw.code), "", source="app")


def rename_level(
    actor: Person,
    fw: Framework,
    level: int | None,
    name: dict[str, str],
    descriptor: dict[str, str],
) -> None:
    """HR renames a level of an application framework's scale and rewrites its descriptor."""
    doc = _editable_document(actor, fw)
    for lv in doc["levels"]:
        if lv["level"] == level:
            lv["name"] = name
            lv["descriptor"] = descriptor
    _save_edit(fw, doc)


def add_competence(
    actor: Person,
    fw: Framework,
    local_code: str,
    area: str,
    covers: list[str],
    focus_area: str,
    name: dict[str, str],
    description: dict[str, str],
) -> None:
    """HR adds a competence to an application framework (and its area, when new)."""
    doc = _editable_document(actor, fw)
    area = area.strip()
    if area and area not in {a["code"] for a in doc["areas"]}:
        doc["areas"].append({"code": area, "name": {"nb": area, "en": area}})
    doc["competences"].append(
        {
            "code": local_code.strip(),
            "area": area,
            "covers": covers,
            "focus_area": focus_area or fw.focus_area,
            "name": name,
            "description": description,
        }
    )
    _save_edit(fw, doc)
