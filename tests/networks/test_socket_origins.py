"""KOLLEGA_ALLOWED_ORIGINS adds origins to the server's own; '*' is never honoured."""

from __future__ import annotations

import pytest
import socketio

from kollega.auth.services import create_token
from kollega.extensions import db
from tests.networks.test_socket import Client


@pytest.fixture
def app_settings() -> dict[str, str]:
    return {"ALLOWED_ORIGINS": "https://partner.example, *"}


def test_listed_and_own_origins_pass_others_are_refused(live_server, org):
    token = create_token(org.employee, "origin-test")
    db.session.commit()
    made = []
    try:
        for origin in ("https://partner.example", live_server.url):
            made.append(Client(live_server.url, token=token, origin=origin))
            assert made[-1].sio.connected
        for origin in ("http://evil.example", "https://partner.example.evil.example", "null"):
            with pytest.raises(socketio.exceptions.ConnectionError):
                made.append(Client(live_server.url, token=token, origin=origin))
    finally:
        for client in made:
            if client.sio.connected:
                client.close()
