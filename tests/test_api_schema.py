"""Property-based requests against the API's own OpenAPI schema (schemathesis): whatever a
client sends, the server answers without a 5xx, and every answer fits the schema.

Bounded (a few dozen examples per operation, no shrinking past a deadline) so the whole
module runs in well under a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from fastapi import FastAPI  # noqa: E402
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from typer.testing import CliRunner  # noqa: E402

from sanctio.api import Settings, create_app  # noqa: E402
from sanctio.cli import app as cli  # noqa: E402

BATCH = Path(__file__).resolve().parent / "fixtures" / "batch"


def _app() -> FastAPI:
    """An app over a store of the two self-written watchlists, built at collection time
    (schemathesis reads the schema from the live app)."""
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="sanctio-schema-"))
    db = home / "sanctio.db"
    result = CliRunner().invoke(
        cli,
        [
            "update",
            "--custom",
            f"testlist={BATCH / 'custom_testlist.csv'}",
            "--custom",
            f"other={BATCH / 'custom_other.csv'}",
            "--store",
            str(db),
        ],
    )
    assert result.exit_code == 0, result.output
    return create_app(settings=Settings(store_path=db, log_requests=False))


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_against_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        excluded_checks=[],
    )
