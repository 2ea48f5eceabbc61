"""Security headers, error pages and the 500 page."""

from __future__ import annotations

import pytest

from tests.conftest import login


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";")}
    assert directives["script-src"] == "script-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin"}


@pytest.mark.parametrize(
    "path",
    ["/login", "/", "/no-such-page", "/api/v1/me", "/api/v1/openapi.json", "/static/kollega.js"],
)
def test_every_response_has_security_headers_anonymous(client, org, path):
    assert_security_headers(client.get(path))


def test_security_headers_when_signed_in_and_on_errors(client, org):
    login(client, org.employee)
    for path in ("/", "/admin/users", "/api/v1/me", "/api/v1/people/999999", "/units"):
        assert_security_headers(client.get(path))
    assert_security_headers(client.post("/logout"))


def test_403_page_is_html(client, org):
    login(client, org.employee)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)


def test_404_page_is_html(client, org):
    login(client, org.employee)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert '<main id="main"' in response.get_data(as_text=True)


def test_api_errors_are_json(client, org):
    login(client, org.employee)
    for path, status in (
        ("/api/v1/no-such-thing", 404),
        ("/api/v1/people/999999", 404),
        (f"/api/v1/people/{org.other_employee.id}", 403),
    ):
        response = client.get(path)
        assert response.status_code == status
        body = response.get_json()
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message", "fields"}
        assert body["error"]["message"]


def test_500_renders_the_error_page(app, client, org):
    def boom() -> str:
        raise RuntimeError("deliberate test failure")

    app.add_url_rule("/test-only-boom", "test_only_boom", boom)
    app.add_url_rule("/api/v1/test-only-boom", "test_only_api_boom", boom)
    response = client.get("/test-only-boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "deliberate test failure" not in html
    assert "<h1>" in html
    assert_security_headers(response)
    api = client.get("/api/v1/test-only-boom")
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "server_error"
