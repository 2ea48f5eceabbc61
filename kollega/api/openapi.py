"""Builds the OpenAPI 3.1 document from the routes registered on the API blueprint."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for conv, name in _CONVERTER.findall(rule):
        schema = {"type": "integer"} if conv == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _CONVERTER.sub(r"{\2}", rule), params


def build_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        info = getattr(view, "openapi", None)
        if info is None:
            continue
        path, params = _path(rule.rule[len("/api/v1") :])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint[4:]}_{method.lower()}",
                "summary": info["summary"],
                "parameters": params
                + [
                    {
                        "name": n,
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": d,
                    }
                    for n, d in info["query"].items()
                ],
                "responses": {
                    str(info["status"]): {
                        "description": "OK",
                        "content": {"application/json": {"schema": info["response"] or {}}},
                    },
                    "default": {
                        "description": "Error",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                },
            }
            if info["body"] is not None and method in {"POST", "PUT", "PATCH"}:
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        info.get("body_type", "application/json"): {"schema": info["body"]}
                    },
                }
            if info["public"]:
                op["security"] = []
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kollega API",
            "version": "1",
            "description": "Text meant for people (reasons, notes, error messages) is in "
            "bokmål (nb) or English (en): `?lang=`, else for a bearer token the "
            "`Accept-Language` header, else the language the person chose, else bokmål "
            "(kollega.i18n).",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
    }
