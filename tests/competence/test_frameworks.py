"""The framework data files and their idempotent sync."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from kollega.competence.frameworks import SHIPPED, load_file, sync_frameworks, validate_framework
from kollega.competence.models import COVERS, FOCUS_AREAS, Competence, CompetenceLink, Framework
from kollega.errors import ValidationError
from kollega.extensions import db


def test_digcomp_has_5_areas_21_competences_8_levels():
    doc, _digest = load_file(SHIPPED / "digcomp-2.2.json")
    assert len(doc["areas"]) == 5
    assert len(doc["competences"]) == 21
    assert [lv["level"] for lv in doc["levels"]] == list(range(1, 9))
    groups = [lv["group"] for lv in doc["levels"]]
    assert (
        groups
        == ["foundation"] * 2 + ["intermediate"] * 2 + ["advanced"] * 2 + ["highly_specialised"] * 2
    )
    per_area = {a["code"]: 0 for a in doc["areas"]}
    for c in doc["competences"]:
        per_area[c["area"]] += 1
    assert per_area == {"1": 3, "2": 6, "3": 4, "4": 4, "5": 4}


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_file_is_complete(path):
    doc, _ = load_file(path)
    for c in doc["competences"]:
        assert c["name"]["nb"] and c["name"]["en"] and c["description"]["nb"]
        assert c["covers"] and set(c["covers"]) <= set(COVERS)
        assert c["focus_area"] in FOCUS_AREAS
    for lv in doc["levels"]:
        assert lv["descriptor"]["nb"] and lv["descriptor"]["en"]


def test_privacy_has_its_own_4_level_scale():
    doc, _ = load_file(SHIPPED / "privacy-1.0.json")
    assert len(doc["levels"]) == 4
    assert {c["focus_area"] for c in doc["competences"]} == {"privacy"}


def test_sync_is_idempotent_and_links_across_frameworks(app):
    first = sync_frameworks()
    db.session.commit()
    assert set(first.created) >= {
        "digcomp-2.2",
        "privacy-1.0",
        "collaboration-1.0",
        "leadership-1.0",
    }
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Competence))
    links = db.session.scalar(sa.select(sa.func.count()).select_from(CompetenceLink))
    second = sync_frameworks()
    db.session.commit()
    assert second.created == [] and second.updated == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Competence)) == count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompetenceLink)) == links
    digcomp = db.session.scalar(sa.select(Framework).where(Framework.code == "digcomp-2.2"))
    assert len(digcomp.levels) == 8 and len(digcomp.competences) == 21
    c24 = db.session.scalar(sa.select(Competence).where(Competence.code == "collaboration-1.0:1.4"))
    link = db.session.scalar(sa.select(CompetenceLink).where(CompetenceLink.from_id == c24.id))
    assert link.target.code == "digcomp-2.2:2.4" and link.kind == "equivalent"


def test_a_changed_file_updates_and_a_removed_competence_is_kept_inactive(app, tmp_path):
    sync_frameworks()
    doc = json.loads((SHIPPED / "privacy-1.0.json").read_text())
    doc["code"] = "helse-1.0"
    doc["competences"] = doc["competences"][:2]
    extra = tmp_path / "helse.json"
    extra.write_text(json.dumps(doc))
    sync_frameworks([extra])
    doc["competences"] = doc["competences"][:1]
    doc["version"] = "1.1"
    extra.write_text(json.dumps(doc))
    report = sync_frameworks([extra])
    assert report.updated == ["helse-1.0"]
    gone = db.session.scalar(sa.select(Competence).where(Competence.code == "helse-1.0:1.2"))
    assert gone is not None and gone.active is False


@pytest.mark.parametrize(
    "change",
    [
        {"code": "Bad Code"},
        {"levels": [{"level": 2, "name": {"nb": "x", "en": "x"}}]},
        {"focus_area": "cooking"},
    ],
)
def test_bad_documents_are_refused(change):
    doc = json.loads((SHIPPED / "privacy-1.0.json").read_text())
    doc.update(change)
    with pytest.raises(ValidationError):
        validate_framework(doc)
