"""Fuzzing the JSON API: generated bodies to every write operation of /api/v1/openapi.json.

Schemathesis reads the app's own OpenAPI document and generates cases in-process (WSGI,
no network): bodies that fit the schema and bodies that break it, sent by a signed-in
leader (a bearer token) with the real ids of the fixture world in the path, so the
requests reach the validation and the services instead of stopping at a 404. Hypothesis
adds arbitrary JSON (wrong types, nesting, huge numbers, odd strings) to the operations
that declare no body. Every response must be below 500, and a refused request (4xx) must
leave every table as it was. A second test sends schemathesis' own (random) path values,
which catches ids too large for the database's integer type.

Derandomized and bounded (``EXAMPLES`` per operation and mode) so CI sees the same cases
every run; ``FUZZ_CASES`` counts what was sent.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from kollega.auth.services import create_token
from kollega.extensions import db
from tests.security.digest import table_digests
from tests.security.world import build_world

EXAMPLES = 4
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Operations that end what others need (the network, the message): fuzzed last.
LAST = ("/archive", "/reject", "DELETE")
# Tables a refused request may still touch: the bearer token's last use.
VOLATILE = {"api_tokens"}
FUZZ_CASES: dict[str, int] = {}

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "title",
        "body",
        "name",
        "level",
        "note",
        "status",
        "kind",
        "unit",
        "year",
        "starts_at",
        "ends_at",
        "period_from",
        "period_to",
        "competence",
        "measure",
        "count",
        "effective_from",
        "role",
    ]
)
LOOSE_OBJECTS = st.dictionaries(FIELDS, JSON, max_size=5)


def fingerprint() -> dict[str, str]:
    """A digest of every table's rows: equal before and after means nothing changed."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return table_digests(conn.execute, VOLATILE)


def _path_values(world: Any, org: Any) -> dict[str, Any]:
    own = world.own
    return {
        **{k: v for k, v in own.items() if isinstance(v, int)},
        "person_id": org.employee.id,
        "code": own["competence"],
        "key": own["key"],
        "number": 1,
        "training_id": own["training_id"],
        "session_id": own["session_id"],
    }


def _write_operations(schema: Any) -> list[Any]:
    ops = [r.ok() for r in schema.get_all_operations()]
    writes = [op for op in ops if op.method.upper() in WRITE_METHODS]
    return sorted(
        writes,
        key=lambda op: (
            any(m in f"{op.method.upper()} {op.path}" for m in LAST),
            op.path,
            op.method,
        ),
    )


class State:
    """The database as the last request left it; one fingerprint per case."""

    def __init__(self) -> None:
        self.tables = fingerprint()

    def check(self, op: Any, response: Any, what: str) -> None:
        key = f"{op.method.upper()} {op.path}"
        FUZZ_CASES[key] = FUZZ_CASES.get(key, 0) + 1
        status = response.status_code
        assert status < 500, f"{key} {what}: {status} {response.text[:300]}"
        after = fingerprint()
        if 400 <= status < 500:
            changed = [t for t in self.tables if self.tables[t] != after.get(t)]
            assert not changed, f"{key} {what}: refused with {status} but changed {changed}"
        self.tables = after


@pytest.fixture
def fuzz_world(app: Any, org: Any) -> tuple[Any, dict[str, str], dict[str, Any]]:
    world = build_world(org)
    token = create_token(org.leader, "fuzz")
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema, {"Authorization": f"Bearer {token}"}, _path_values(world, org)


def _send_each(strategy: Any, send: Any, examples: int = EXAMPLES) -> None:
    """Draw ``examples`` values from ``strategy`` and ``send`` each (hypothesis runs it)."""

    @settings(SETTINGS, max_examples=examples)
    @given(value=strategy)
    def run(value: Any) -> None:
        send(value)

    run()


def test_api_writes_with_generated_bodies(fuzz_world: Any) -> None:
    schema, headers, values = fuzz_world
    ops = _write_operations(schema)
    assert len(ops) >= 30  # every write operation of the API document
    state = State()
    for op in ops:
        path_params = {p.name: values[p.name] for p in op.path_parameters}

        def send_case(case: Any, op: Any = op) -> None:
            response = case.call(headers=headers)
            state.check(op, response, f"body={case.body!r:.200}")

        def send_body(body: Any, op: Any = op, path_params: Any = path_params) -> None:
            case = op.Case(path_parameters=path_params, body=body, media_type="application/json")
            send_case(case, op)

        if op.body:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = op.as_strategy(generation_mode=mode, path_parameters=path_params)
                _send_each(strategy, send_case)
        _send_each(JSON | LOOSE_OBJECTS, send_body)
    total = sum(FUZZ_CASES.values())
    print(f"API fuzz: {total} cases over {len(FUZZ_CASES)} write operations")


def test_api_with_generated_path_values(fuzz_world: Any) -> None:
    """Schemathesis' own ids, codes and keys (wrong ones first) on every operation with
    path parameters, reads too: a 404 or another 4xx, never a 500."""
    schema, headers, _values = fuzz_world
    for result in schema.get_all_operations():
        op = result.ok()
        if not op.path_parameters:
            continue
        before = fingerprint() if op.method.upper() in WRITE_METHODS else {}
        key = f"{op.method.upper()} {op.path} (path)"

        def send(case: Any, key: str = key) -> None:
            response = case.call(headers=headers)
            FUZZ_CASES[key] = FUZZ_CASES.get(key, 0) + 1
            assert response.status_code < 500, (
                f"{key} path={case.path_parameters!r}: {response.status_code} {response.text[:300]}"
            )

        try:
            _send_each(op.as_strategy(generation_mode=GenerationMode.NEGATIVE), send, 3)
        except Unsatisfiable:  # no wrong value fits the parameter (e.g. any text key)
            _send_each(op.as_strategy(generation_mode=GenerationMode.POSITIVE), send, 3)
        if before:
            after = fingerprint()
            assert [t for t in before if before[t] != after[t]] == [], op.path
