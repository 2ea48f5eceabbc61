"""Fixtures for the competence register: the shipped frameworks, synced once per test."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def frameworks(app: Any) -> Any:
    from kollega.competence.frameworks import sync_frameworks
    from kollega.extensions import db

    report = sync_frameworks()
    db.session.commit()
    return report


@pytest.fixture
def comp(frameworks: Any) -> Any:
    """Look a competence up by its full code."""
    from kollega.competence.services import competence_by_code

    return competence_by_code
