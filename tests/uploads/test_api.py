"""POST /api/v1/uploads, attaching uploads to messages, and serving the files."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from kollega.audit.models import AuditEvent
from kollega.extensions import db
from kollega.uploads.models import Upload
from tests.networks.test_api import bearer
from tests.uploads.conftest import docx_bytes, jpeg_bytes, png_bytes, stored_files


def upload(client, headers, data: bytes, name: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_an_image_is_stored_without_exif_with_a_thumbnail(client, org, upload_folder):
    h = bearer(org.employee)
    r = upload(client, h, jpeg_bytes(), "ferie.jpg")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["name"] == "ferie.jpg" and body["content_type"] == "image/jpeg"
    assert body["url"] == f"/files/{body['id']}/ferie.jpg"
    assert body["thumbnail_url"] == f"/files/{body['id']}/thumbnail"
    full = client.get(body["url"], headers=h)
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(full.data))
    assert dict(image.getexif()) == {}
    assert image.size == (1200, 1600)  # the EXIF rotation applied, then dropped
    assert body["size"] == len(full.data)
    thumb = client.get(body["thumbnail_url"], headers=h)
    assert thumb.status_code == 200
    small = Image.open(io.BytesIO(thumb.data))
    assert max(small.size) == 480 and dict(small.getexif()) == {}
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert full.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert full.headers["Content-Disposition"].startswith("inline")
    assert len(stored_files(upload_folder)) == 2


def test_png_exif_is_gone_too(client, org):
    h = bearer(org.employee)
    body = upload(client, h, png_bytes(), "skjerm.png").get_json()
    data = client.get(body["url"], headers=h).data
    assert b"Kamerafabrikken" not in data
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}


@pytest.mark.parametrize(
    ("data", "name", "status"),
    [
        (b"", "tom.txt", 422),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.svg", 422),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "side.html", 422),
        (b"<html><body>hei</body></html>", "lure.txt", 422),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", "setup.exe", 422),
        (b"alert(document.cookie)", "x.js", 422),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR broken", "knekt.png", 422),
        (png_bytes(exif=False), "bilde.txt", 422),  # the name says text, the bytes an image
        (b"%PDF-1.4 hei", "doc.docx", 422),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    client, org, upload_folder, data, name, status
):
    r = upload(client, bearer(org.employee), data, name)
    assert r.status_code == status, r.get_json()
    error = r.get_json()["error"]
    assert error["fields"]["file"]
    assert db.session.scalar(sa.select(sa.func.count(Upload.id))) == 0
    assert stored_files(upload_folder) == []


def test_too_large_is_413_in_norwegian(client, org, upload_folder, app):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    r = upload(client, bearer(org.employee), b"a" * 1001, "stor.txt")
    assert r.status_code == 413
    assert "for stor" in r.get_json()["error"]["message"]
    assert stored_files(upload_folder) == []


def test_a_decompression_bomb_is_refused(client, org, app, upload_folder):
    app.config["UPLOAD_MAX_PIXELS"] = 1000 * 1000
    r = upload(client, bearer(org.employee), png_bytes((2000, 1000), exif=False), "bombe.png")
    assert r.status_code == 413
    assert stored_files(upload_folder) == []


def test_no_file_field_is_422(client, org):
    r = client.post("/api/v1/uploads", data={}, headers=bearer(org.employee))
    assert r.status_code == 422


def test_documents_and_text_are_downloads(client, org):
    h = bearer(org.employee)
    pdf = upload(client, h, b"%PDF-1.4\n%...\n", "plan.pdf").get_json()
    assert pdf["content_type"] == "application/pdf" and pdf["thumbnail_url"] is None
    r = client.get(pdf["url"], headers=h)
    assert r.headers["Content-Disposition"].startswith("inline")
    docx = upload(client, h, docx_bytes(), "referat.docx").get_json()
    assert docx["content_type"].endswith("wordprocessingml.document")
    r = client.get(docx["url"], headers=h)
    assert r.headers["Content-Disposition"].startswith("attachment")
    text = upload(client, h, "navn;rolle\nÅse;leder\n".encode(), "liste.csv").get_json()
    assert text["content_type"] == "text/csv"
    r = client.get(text["url"], headers=h)
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.mimetype == "text/csv" and "html" not in r.headers["Content-Type"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    named = upload(client, h, b"bare tekst", "notat").get_json()
    assert named["name"] == "notat.txt"


def send(client, headers, thread_id, ids, cid="c1", body="Se vedlegg"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/threads/{thread_id}/messages",
        json={"client_id": cid, "body": body, "attachments": ids},
        headers=headers,
    )


def test_attached_file_is_served_to_readers_only(client, org, nets):
    h = bearer(org.employee)
    up = upload(client, h, png_bytes(), "tavle.png").get_json()
    # Before sending only the owner sees it.
    assert client.get(up["url"], headers=bearer(org.leader)).status_code == 404
    r = send(client, h, nets.closed_thread.id, [up["id"]])
    assert r.status_code == 201, r.get_json()
    listed = client.get(f"/api/v1/threads/{nets.closed_thread.id}/messages", headers=h).get_json()
    mine = [m for m in listed["messages"] if m["id"] == r.get_json()["id"]][0]
    assert mine["attachments"] == [up]
    # A member of the network (the leader) reads it, and the read is audited.
    assert client.get(up["url"], headers=bearer(org.leader)).status_code == 200
    reads = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "read.upload")
    ).all()
    assert [(e.actor_id, e.target_id) for e in reads] == [(org.leader.id, up["id"])]
    assert reads[0].details["owner_id"] == org.employee.id
    # The owner's own reads and the thumbnails are not logged.
    client.get(up["url"], headers=h)
    client.get(up["thumbnail_url"], headers=bearer(org.leader))
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "read.upload")
        )
        == 1
    )
    # Another network's member, HR and the admin: not found, as for no file at all.
    for person in (org.colleague, org.hr, org.admin, org.other_employee):
        assert client.get(up["url"], headers=bearer(person)).status_code == 404
        assert client.get(up["thumbnail_url"], headers=bearer(person)).status_code == 404
    # Once sent it cannot be sent again, nor taken back.
    again = send(client, h, nets.closed_thread.id, [up["id"]], cid="c2")
    assert again.status_code == 422
    assert client.delete(f"/api/v1/uploads/{up['id']}", headers=h).status_code == 409


def test_only_own_unsent_uploads_and_at_most_ten(client, org, nets):
    mine = bearer(org.employee)
    theirs = upload(client, bearer(org.leader), b"hei", "a.txt").get_json()
    r = send(client, mine, nets.closed_thread.id, [theirs["id"]])
    assert r.status_code == 422 and "attachments" in r.get_json()["error"]["fields"]
    r = send(client, mine, nets.closed_thread.id, list(range(1, 12)))
    assert r.status_code == 422
    r = send(client, mine, nets.closed_thread.id, "1")
    assert r.status_code == 422
    for bad in ([2**70], ["99999999999999999999"], [1.5], [None], [{"id": 1}], [-1]):
        assert send(client, mine, nets.closed_thread.id, bad).status_code == 422, bad
    # Nothing was sent.
    listed = client.get(f"/api/v1/threads/{nets.closed_thread.id}/messages", headers=mine)
    assert all(m["body"] != "Se vedlegg" for m in listed.get_json()["messages"])


def test_a_message_of_only_a_file_needs_no_text(client, org, nets):
    h = bearer(org.employee)
    up = upload(client, h, b"hei", "a.txt").get_json()
    assert send(client, h, nets.closed_thread.id, [up["id"]], body="").status_code == 201
    assert send(client, h, nets.closed_thread.id, [], cid="c9", body="").status_code == 422


def test_owner_takes_back_an_unsent_upload(client, org, upload_folder):
    h = bearer(org.employee)
    up = upload(client, h, png_bytes(), "a.png").get_json()
    assert (
        client.delete(f"/api/v1/uploads/{up['id']}", headers=bearer(org.leader)).status_code == 404
    )
    assert client.delete(f"/api/v1/uploads/{up['id']}", headers=h).status_code == 200
    assert client.get(up["url"], headers=h).status_code == 404
    assert stored_files(upload_folder) == []


def test_openapi_documents_uploads_and_attachments(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/uploads"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert op["responses"]["201"]["content"]["application/json"]["schema"]["required"] == [
        "id",
        "name",
        "size",
        "content_type",
        "url",
    ]
    send_op = doc["paths"]["/threads/{thread_id}/messages"]["post"]
    props = send_op["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert props["attachments"]["items"] == {"type": "integer"}
    assert "delete" in doc["paths"]["/uploads/{upload_id}"]


def test_odd_names_are_kept_as_text_and_downloads_name_them(client, org, nets):
    h = bearer(org.employee)
    up = upload(client, h, b"hei", "<img src=x onerror=alert(1)>møte æøå.txt").get_json()
    assert up["name"] == "<img src=x onerror=alert(1)>møte æøå.txt"
    assert "<" not in up["url"] and " " not in up["url"]
    r = client.get(up["url"], headers=h)
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    send(client, h, nets.closed_thread.id, [up["id"]])
    page = client.get(f"/threads/{nets.closed_thread.id}", headers=h).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;møte" in page
    assert "<img src=x onerror=alert(1)>" not in page


def test_a_guest_shares_a_file_in_their_network(client, org, nets):
    h = bearer(org.guest)
    up = upload(client, h, png_bytes(exif=False), "bilde.png")
    assert up.status_code == 201
    r = send(client, h, nets.closed_thread.id, [up.get_json()["id"]], cid="g1")
    assert r.status_code == 201
    assert client.get(up.get_json()["url"], headers=bearer(org.employee)).status_code == 200


def test_a_name_with_folders_keeps_only_its_last_part(client, org):
    up = upload(client, bearer(org.employee), b"hei", "../../etc/passwd.txt").get_json()
    assert up["name"] == "passwd.txt"
