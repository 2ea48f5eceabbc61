"""Uploads in GDPR export and erasure, retention, the clean-up job, and a unit of work
that rolls back (its files go too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from kollega.db import now_utc
from kollega.extensions import db
from kollega.networks.messages import delete_message
from kollega.networks.models import Message
from kollega.networks.send import send_message
from kollega.privacy import jobs as privacy_jobs
from kollega.privacy import services as privacy
from kollega.privacy.models import RetentionSettings
from kollega.uploads import jobs
from kollega.uploads.models import Upload
from kollega.uploads.services import create_upload
from tests.networks.test_api import bearer
from tests.uploads.conftest import png_bytes, stored_files

LONG_AGO = now_utc() - dt.timedelta(days=800)


def _sent(org: Any, nets: Any, cid: str = "p1") -> tuple[Upload, Message]:
    upload = create_upload(org.employee, "tavle.png", png_bytes())
    message = send_message(
        org.employee, nets.closed_thread.id, cid, "Tavla", attachments=[upload.id]
    ).message
    db.session.commit()
    return upload, message


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Upload.id))) or 0


def test_export_lists_uploads_with_download_urls(client, org, nets):
    upload, message = _sent(org, nets)
    data = client.get("/api/v1/me/export", headers=bearer(org.employee)).get_json()
    [item] = data["uploads"]
    assert item["id"] == upload.id and item["name"] == "tavle.png"
    assert item["url"] == f"/files/{upload.id}/tavle.png"
    assert item["message_id"] == message.id and len(item["sha256"]) == 64
    assert item["content_type"] == "image/png" and item["size"] > 0
    # Others' exports do not list it.
    other = client.get("/api/v1/me/export", headers=bearer(org.leader)).get_json()
    assert other["uploads"] == []


def test_erasure_deletes_rows_and_files(org, nets, upload_folder):
    _sent(org, nets)
    create_upload(org.employee, "utkast.txt", b"ikke sendt")
    db.session.commit()
    assert len(stored_files(upload_folder)) == 3  # image, thumbnail, text
    privacy.erase_person(org.admin, org.employee)
    db.session.commit()
    assert _count() == 0
    assert stored_files(upload_folder) == []


def test_retention_removes_the_files_of_the_messages_it_deletes(org, nets, upload_folder):
    _, message = _sent(org, nets)
    db.session.execute(
        sa.update(Message).where(Message.id == message.id).values(created_at=LONG_AGO)
    )
    db.session.merge(RetentionSettings(id=1, message_scope="all", message_months=12))
    db.session.commit()
    result = privacy_jobs.run_retention()
    assert result.messages_deleted >= 1
    assert _count() == 0
    assert stored_files(upload_folder) == []


def test_clean_up_removes_unsent_after_a_day_and_files_of_deleted_messages(
    org, nets, upload_folder
):
    fresh = create_upload(org.employee, "ny.txt", b"ny")
    old = create_upload(org.employee, "gammel.txt", b"gammel")
    upload, message = _sent(org, nets)
    db.session.execute(
        sa.update(Upload)
        .where(Upload.id == old.id)
        .values(created_at=now_utc() - dt.timedelta(hours=25))
    )
    db.session.commit()
    fresh_id, old_id, sent_id = fresh.id, old.id, upload.id
    assert jobs.run_clean_up() == 1
    db.session.expire_all()
    assert db.session.get(Upload, old_id) is None
    assert db.session.get(Upload, fresh_id) is not None
    assert db.session.get(Upload, sent_id) is not None
    delete_message(org.employee, message.id)
    db.session.commit()
    assert jobs.run_clean_up() == 1
    db.session.expire_all()
    assert db.session.get(Upload, sent_id) is None
    assert len(stored_files(upload_folder)) == 1  # ny.txt only


def test_files_of_a_unit_that_rolls_back_are_deleted(org, upload_folder):
    create_upload(org.employee, "tavle.png", png_bytes())
    assert len(stored_files(upload_folder)) == 2
    db.session.rollback()
    assert stored_files(upload_folder) == []
    assert _count() == 0


def test_a_deleted_message_hides_its_files(client, org, nets):
    upload, message = _sent(org, nets)
    delete_message(org.employee, message.id)
    db.session.commit()
    h = bearer(org.leader)
    assert client.get(f"/files/{upload.id}/tavle.png", headers=h).status_code == 404
    listed = client.get(f"/api/v1/threads/{nets.closed_thread.id}/messages", headers=h).get_json()
    gone = [m for m in listed["messages"] if m["id"] == message.id][0]
    assert gone["attachments"] == []
