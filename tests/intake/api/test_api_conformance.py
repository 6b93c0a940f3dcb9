"""The API does what its OpenAPI document says, as an outside fuzzer sees it:
schemathesis (with the repository's schemathesis.toml: a fixed seed, a few
examples per operation) sends each operation the document's examples and
requests drawn from its schemas with a token of each role; with the
administrator's, who may call every operation, also its boundary values,
requests that break the document and methods it does not declare. No answer is a server error; each has a
documented status, content type and shape; a request that breaks the
document is refused, one that follows it is accepted or refused for a
documented reason; an undeclared method is a 405 with an Allow header."""
from __future__ import annotations

import threading

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from werkzeug.serving import make_server

from support import ROOT
from support.api import token_for

ROLES = {"handler": "handler_a", "supervisor": "supervisor_a", "manager": "manager_a", "executive": "executive",
         "admin": "admin"}


@pytest.fixture
def live_url(app):
    """The app on a local port, as an integrator reaches it."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def failures_of(url: str, token: str, *, coverage: bool) -> list[str]:
    config = SchemathesisConfig.from_path(ROOT / "schemathesis.toml")
    config.projects.default.update(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
                                   workers=1)
    config.projects.default.phases.coverage.enabled = coverage
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json", config=config)
    found, scenarios = [], 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        info = check.failure_info
                        found.append(f"{event.label} {check.name}: {info.failure.title}\n  {info.code_sample}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            found.append(f"error: {event.info if hasattr(event, 'info') else event}")
    assert scenarios >= 29, f"only {scenarios} scenarios ran"
    return sorted(set(found))


# Hypothesis finds the list of time zones a long thing to print.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@pytest.mark.parametrize("role", ROLES)
def test_every_answer_is_as_documented_for_every_role(app, live_url, session, clock, bank, make, role):
    if app.extensions["db"].engine.dialect.name != "sqlite" and role != "admin":
        pytest.skip("on PostgreSQL the administrator's run is enough: the other roles change no SQL")
    make.touchpoint(bank.counter_a, staff=bank.handler_a)
    make.case(unit=bank.counter_a)
    found = failures_of(live_url, token_for(session, clock, getattr(bank, ROLES[role])), coverage=role == "admin")
    assert not found, f"{len(found)} answers differ from the document:\n" + "\n".join(found)
