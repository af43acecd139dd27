"""The HTTP API (sanctio.api) through the real app: yente shapes, parameters, errors, API
keys, the audit log (and replaying it), metrics, reconciliation, request logs."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sanctio.api import MAX_QUERIES, Settings, _JsonLogFormatter, create_app
from sanctio.audit import replay
from sanctio.cli import app as cli
from sanctio.model import Entity, Name
from sanctio.store import Store
from tests.test_batch import BATCH, load_store

runner = CliRunner()
HAS_SCAN = importlib.util.find_spec("sanctio.scan") is not None

KIM = {"schema": "Person", "properties": {"name": ["Kim Kun"], "birthDate": ["1954"]}}
BANK = {"schema": "Organization", "properties": {"name": "Banco Nacional de Cuba"}}
NOBODY = {"schema": "Person", "properties": {"name": ["Zebulon Quartermaine-Oyelaran"]}}
RESULT_KEYS = {
    "id",
    "caption",
    "schema",
    "properties",
    "datasets",
    "referents",
    "target",
    "first_seen",
    "last_seen",
    "last_change",
    "score",
    "match",
    "features",
    "explanations",
    "sanctio",
}


def make_client(db: Path, **settings: Any) -> TestClient:
    options: dict[str, Any] = {"store_path": db, "reload_seconds": 0.0, **settings}
    return TestClient(create_app(settings=Settings(**options)))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two self-written watchlists (custom_testlist: T1..T6, custom_other: O1, O2)."""
    return load_store(tmp_path_factory.mktemp("api") / "sanctio.db")


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with make_client(db) as c:
        yield c


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """A store of its own, for tests that add keys or list versions."""
    return load_store(tmp_path / "sanctio.db")


def match(client: TestClient, queries: dict[str, Any], path: str = "default", **params: Any) -> Any:
    return client.post(f"/match/{path}", json={"queries": queries}, params=params)


def ids(response: dict[str, Any]) -> list[str]:
    return [r["id"] for r in response["results"]]


# ------------------------------------------------------------------------ yente shapes


def test_match_answers_in_yente_shape_for_several_queries(client: TestClient) -> None:
    r = match(client, {"kim": KIM, "bank": BANK, "nobody": NOBODY})
    assert r.status_code == 200, r.text
    assert r.headers["x-batch-size"] == "3"
    data = r.json()
    assert set(data) == {"responses", "limit"} and data["limit"] == 5
    assert set(data["responses"]) == {"kim", "bank", "nobody"}
    kim = data["responses"]["kim"]
    assert kim["status"] == 200
    assert set(ids(kim)) == {"custom_testlist:T1", "custom_other:O1"}
    assert kim["total"] == {"value": 2, "relation": "eq"}
    assert kim["query"] == {"id": None, "schema": "Person", "properties": KIM["properties"]}
    top = kim["results"][0]
    assert set(top) == RESULT_KEYS
    assert top["schema"] == "Person" and top["caption"] == "Kim Kun"
    assert top["datasets"] == [top["id"].split(":")[0]]
    assert top["match"] is True and 0.7 <= top["score"] <= 1.0
    assert "Kim Kun" in top["properties"]["name"]
    assert top["properties"]["birthDate"] == ["1954-01-01"]
    # explanations: yente's FeatureResult (detail, score, query, candidate) per feature
    assert set(top["explanations"]["name"]) == {"detail", "score", "query", "candidate"}
    assert "birth_date" in top["explanations"]
    assert top["features"]["name"] == top["explanations"]["name"]["score"]
    assert top["sanctio"]["explanation"]["name"]["list_name"] == "Kim Kun"
    assert top["first_seen"] and top["last_seen"]
    assert ids(data["responses"]["bank"]) == ["custom_testlist:T2"]
    assert data["responses"]["nobody"]["results"] == []
    assert data["responses"]["nobody"]["total"]["value"] == 0


def test_match_reads_names_ids_and_countries_from_ftm_properties(client: TestClient) -> None:
    by_parts = {
        "schema": "Person",
        "properties": {"firstName": "Vladimir", "lastName": "Ivanov", "middleName": "Petrovich"},
    }
    by_imo = {"schema": "Vessel", "properties": {"name": "Oceanic Starr", "imoNumber": "9074729"}}
    by_alias = {"schema": "Thing", "properties": {"name": ["xx"], "alias": ["Muhammad al Hakim"]}}
    data = match(client, {"parts": by_parts, "imo": by_imo, "alias": by_alias}).json()
    assert ids(data["responses"]["parts"])[0] == "custom_testlist:T4"
    vessel = data["responses"]["imo"]["results"][0]
    assert vessel["id"] == "custom_testlist:T3" and vessel["score"] >= 0.95
    assert "identifier" in vessel["explanations"]
    assert ids(data["responses"]["alias"]) == ["custom_testlist:T5"]


def test_match_parameters(client: TestClient) -> None:
    both = {"custom_testlist:T1", "custom_other:O1"}
    assert len(ids(match(client, {"q": KIM}, limit=1).json()["responses"]["q"])) == 1
    only = match(client, {"q": KIM}, include_dataset="custom_other").json()["responses"]["q"]
    assert ids(only) == ["custom_other:O1"]
    rest = match(client, {"q": KIM}, exclude_dataset="custom_other").json()["responses"]["q"]
    assert ids(rest) == ["custom_testlist:T1"]
    r = client.post(
        "/match/default",
        json={"queries": {"q": KIM}},
        params=[("exclude_entity_ids", "custom_testlist:T1"), ("exclude_entity_ids", "x:y")],
    )
    assert ids(r.json()["responses"]["q"]) == ["custom_other:O1"]
    assert ids(match(client, {"q": KIM}, "custom_other").json()["responses"]["q"]) == [
        "custom_other:O1"
    ]
    assert set(ids(match(client, {"q": KIM}, "custom").json()["responses"]["q"])) == both
    assert ids(match(client, {"q": KIM}, "sanctions").json()["responses"]["q"]) == []
    # threshold decides `match`; cutoff decides what is returned at all
    near = {"schema": "Person", "properties": {"name": ["Kim Kon"]}}
    loose = match(client, {"q": near}, threshold=0.99, cutoff=0.5).json()["responses"]["q"]
    assert loose["results"] and not any(r["match"] for r in loose["results"])
    strict = match(client, {"q": near}, threshold=0.99).json()["responses"]["q"]
    assert strict["results"] == []
    schema_out = match(client, {"q": KIM}, exclude_schema="Person").json()["responses"]["q"]
    assert schema_out["results"] == []
    assert match(client, {"q": KIM}, topics="crime").json()["responses"]["q"]["results"] == []
    assert len(ids(match(client, {"q": KIM}, topics="sanction").json()["responses"]["q"])) == 2
    # yente clients send these; sanctio has one scorer and accepts them
    r = client.post(
        "/match/default?algorithm=logic-v1",
        json={"queries": {"q": KIM}, "weights": {"name_literal": 0.8}, "config": {}},
    )
    assert r.status_code == 200


# ------------------------------------------------------------------------------ errors


def assert_error(r: Any, status: int, words: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()
    assert isinstance(body["detail"], str) and words in body["detail"], body
    return body


def test_errors_are_4xx_with_json_bodies(client: TestClient) -> None:
    assert_error(match(client, {"q": KIM}, "nowhere"), 404, "unknown dataset 'nowhere'")
    assert_error(match(client, {"q": KIM}, include_dataset="nope"), 400, "include_dataset")
    too_many = {f"q{i}": KIM for i in range(MAX_QUERIES + 1)}
    assert_error(match(client, too_many), 400, f"limit: {MAX_QUERIES}")
    assert match(client, {f"q{i}": KIM for i in range(MAX_QUERIES)}).status_code == 200
    assert_error(match(client, {}), 400, "No queries")
    long_name = {"schema": "Person", "properties": {"name": ["x" * 501]}}
    assert_error(match(client, {"q": long_name}), 400, "limit is 500")
    empty = {"schema": "Person", "properties": {"name": ["!!!"]}}
    assert_error(match(client, {"q": empty}), 400, "no letters or digits")
    assert_error(match(client, {"q": {"schema": "Person", "properties": {}}}), 400, "no name")
    bad_schema = {"schema": "Banana", "properties": {"name": ["x"]}}
    assert_error(match(client, {"q": bad_schema}), 400, "schema 'Banana'")
    nested = {"schema": "Person", "properties": {"name": [{"a": 1}]}}
    assert_error(match(client, {"q": nested}), 400, "must be strings")
    body = assert_error(client.post("/match/default", json={"query": {}}), 422, "queries")
    assert body["errors"][0]["loc"] == ["body", "queries"]
    r = client.post(
        "/match/default", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(r, 422, "JSON")
    assert_error(match(client, {"q": KIM}, limit=0), 422, "limit")
    assert_error(match(client, {"q": KIM}, threshold=1.5), 422, "threshold")
    assert_error(client.get("/search/default"), 422, "q")
    assert_error(client.get("/entities/custom_testlist:NOPE"), 404, "no entity")
    assert_error(client.get("/no/such/path"), 404, "Not Found")
    assert_error(client.delete("/catalog"), 405, "Method Not Allowed")


def test_body_size_limit(db: Path) -> None:
    with make_client(db, max_body_bytes=2_000) as small:
        big = {
            "q": {"schema": "Person", "properties": {"name": ["Kim Kun"], "notes": ["x" * 3000]}}
        }
        assert_error(match(small, big), 413, "larger than 2,000 bytes")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
            yield b'{"queries": {"q": {"schema": "Person", "properties": {"notes": ["'
            for _ in range(10):
                yield b"x" * 500
            yield b'"]}}}}'

        r = small.post(
            "/match/default", content=chunks(), headers={"content-type": "application/json"}
        )
        assert_error(r, 413, "larger than")
        assert match(small, {"q": KIM}).status_code == 200


def test_empty_store_is_not_ready(tmp_path: Path) -> None:
    with make_client(tmp_path / "empty.db") as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").status_code == 503
        assert_error(match(c, {"q": KIM}), 503, "no lists loaded")


# ---------------------------------------------------------------- search, entities, catalog


def test_search(client: TestClient) -> None:
    r = client.get("/search/default", params={"q": "kim kun", "limit": 1})
    data = r.json()
    assert r.status_code == 200 and data["limit"] == 1 and data["offset"] == 0
    assert data["total"] == {"value": 2, "relation": "eq"}
    assert len(data["results"]) == 1 and data["results"][0]["caption"] == "Kim Kun"
    assert {v["name"] for v in data["facets"]["datasets"]["values"]} == {
        "custom_testlist",
        "custom_other",
    }
    page2 = client.get("/search/default", params={"q": "kim kun", "limit": 1, "offset": 1})
    assert page2.json()["results"][0]["id"] != data["results"][0]["id"]
    assert client.get("/search/custom_other", params={"q": "banco"}).json()["results"] == []


def test_entity_with_versions(client: TestClient) -> None:
    data = client.get("/entities/custom_testlist:T1").json()
    assert data["id"] == "custom_testlist:T1" and data["schema"] == "Person"
    assert set(data["properties"]["name"]) == {"Kim Kun"}
    assert data["properties"]["passportNumber"] == ["N0000259216"]
    extra = data["sanctio"]
    assert extra["active"] is True and extra["entity"]["programs"] == ["GLOMAG"]
    assert len(extra["versions"]) == 1 and extra["versions"][0]["valid_to"] is None
    vid = extra["versions"][0]["valid_from"]
    assert client.get(f"/entities/custom_testlist:T1?version={vid}").status_code == 200


def test_catalog(client: TestClient) -> None:
    data = client.get("/catalog").json()
    by_name = {d["name"]: d for d in data["datasets"]}
    assert by_name["custom_testlist"]["load"] is True
    assert by_name["custom_testlist"]["entity_count"] == 6
    assert by_name["custom_testlist"]["index_current"] is True
    assert by_name["custom"]["children"] == ["custom_other", "custom_testlist"]
    assert "default" in by_name and "us" not in by_name  # no US list loaded
    assert data["outdated"] == [] and data["index_stale"] is False
    assert sorted(data["current"]) == ["custom_other", "custom_testlist"]


# --------------------------------------------------------------------------- reconcile


def test_reconcile_manifest_and_queries(client: TestClient) -> None:
    manifest = client.get("/reconcile/default").json()
    assert manifest["versions"] == ["0.2"]
    assert {"id": "Person", "name": "Person"} in manifest["defaultTypes"]
    assert manifest["view"]["url"].endswith("/entities/{{id}}")
    queries = {
        "q0": {
            "query": "Kim Kun",
            "type": "Person",
            "limit": 1,
            "properties": [{"pid": "birthDate", "v": "1954"}],
        },
        "q1": {"query": "Banco Nacional de Cuba"},
        "q2": {"query": "Zebulon Quartermaine-Oyelaran"},
    }
    posted = client.post("/reconcile/default", data={"queries": json.dumps(queries)}).json()
    got = client.get("/reconcile/default", params={"queries": json.dumps(queries)}).json()
    assert posted == got
    assert set(posted) == {"q0", "q1", "q2"}
    (kim,) = posted["q0"]["result"]
    assert set(kim) == {"id", "name", "type", "score", "match", "description"}
    assert kim["type"] == [{"id": "Person", "name": "Person"}]
    assert kim["match"] is True and 70 <= kim["score"] <= 100
    assert posted["q1"]["result"][0]["id"] == "custom_testlist:T2"
    assert posted["q2"]["result"] == []
    assert_error(client.post("/reconcile/default", data={"queries": "{bad"}), 400, "JSON")
    assert_error(client.post("/reconcile/default", data={}), 400, "no queries")
    bad = json.dumps({"q0": {"type": "Person"}})
    assert_error(client.get("/reconcile/default", params={"queries": bad}), 400, "'query'")


@pytest.mark.skipif(not HAS_SCAN, reason="sanctio.scan is not installed")
def test_scan_endpoint(client: TestClient, db: Path) -> None:
    r = client.post("/scan", json={"text": "Payment ordered by Kim Kun of Phnom Penh."})
    assert r.status_code == 200, r.text
    mentions = r.json()["mentions"]
    assert mentions and {"start", "end", "text", "entity_id", "score"} <= set(mentions[0])
    with Store(db) as store:
        last = list(store.audit_entries(channel="scan"))[-1]
    assert last.query["text"].startswith("Payment ordered")
    assert last.results["mentions"][0]["entity_id"] == mentions[0]["entity_id"]
    assert_error(client.post("/scan", json={"text": "x" * 200_001}), 422, "text")


# ---------------------------------------------------------------------------- API keys


def test_api_keys(fresh_db: Path) -> None:
    with make_client(fresh_db) as c:
        assert match(c, {"q": KIM}).status_code == 200  # no key exists: open on loopback
        added = runner.invoke(cli, ["keys", "add", "crm system", "--store", str(fresh_db)])
        assert added.exit_code == 0, added.output
        key = added.stdout.strip()
        assert key.startswith("sanctio_") and len(key) > 40
        # once a key exists, every screening and data endpoint needs one
        body = assert_error(match(c, {"q": KIM}), 401, "API key is required")
        assert "detail" in body
        assert c.get("/catalog").status_code == 401
        assert c.get("/healthz").status_code == 200 and c.get("/metrics").status_code == 200
        bearer = {"Authorization": f"Bearer {key}"}
        r = c.post("/match/default", json={"queries": {"q": KIM}}, headers=bearer)
        assert r.status_code == 200
        r = c.post("/match/default", json={"queries": {"q": KIM}}, headers={"X-API-Key": key})
        assert r.status_code == 200
        r = c.get("/reconcile/default", params={"api_key": key})
        assert r.status_code == 200
        wrong = {"Authorization": "Bearer sanctio_wrong"}
        assert_error(c.post("/match/default", json={"queries": {}}, headers=wrong), 401, "invalid")
        listed = runner.invoke(cli, ["keys", "list", "--json", "--store", str(fresh_db)])
        (row,) = json.loads(listed.stdout)
        assert row["label"] == "crm system" and row["revoked"] is None
        assert key not in listed.stdout
        with Store(fresh_db) as store:
            whos = {e.who for e in store.audit_entries(channel="api")}
        assert f"key:{row['id']}" in whos and any(w.startswith("local:") for w in whos)
        revoked = runner.invoke(cli, ["keys", "revoke", str(row["id"]), "--store", str(fresh_db)])
        assert revoked.exit_code == 0
        assert_error(
            c.post("/match/default", json={"queries": {"q": KIM}}, headers=bearer), 401, "revoked"
        )
        # the last key revoked: loopback is open again
        assert match(c, {"q": KIM}).status_code == 200
    assert key.encode() not in fresh_db.read_bytes()


def test_keys_always_required_when_asked(fresh_db: Path) -> None:
    with make_client(fresh_db, require_keys=True) as c:
        assert_error(match(c, {"q": KIM}), 401, "API key")
    with make_client(fresh_db, require_keys=False) as c:
        assert match(c, {"q": KIM}).status_code == 200


def test_serve_refuses_a_public_address_without_keys(fresh_db: Path) -> None:
    r = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--store", str(fresh_db)])
    assert r.exit_code == 2 and "sanctio keys add" in r.output


# ------------------------------------------------------------------------------- audit


def test_every_screening_path_writes_an_audit_entry(fresh_db: Path, tmp_path: Path) -> None:
    with make_client(fresh_db) as c:
        match(c, {"a": KIM, "b": BANK}, limit=3)
        c.get("/search/default", params={"q": "oceanic star"})
        c.get("/reconcile/default", params={"queries": json.dumps({"x": {"query": "Kim Kun"}})})
        c.get("/reconcile/default")  # the manifest screens nothing
        c.get("/catalog")
        match(c, {}, "default")  # refused: nothing screened, nothing logged
    screened = runner.invoke(cli, ["screen", "Kim Kun", "--store", str(fresh_db)])
    assert screened.exit_code == 0, screened.output
    out = tmp_path / "hits.jsonl"
    batch = runner.invoke(
        cli, ["batch", str(BATCH / "names.csv"), "-o", str(out), "--store", str(fresh_db)]
    )
    assert batch.exit_code == 0, batch.output
    with Store(fresh_db) as store:
        entries = list(store.audit_entries())
        versions = {v.dataset: v.id for v in store.active_versions()}
    kinds = [(e.channel, e.query["kind"]) for e in entries]
    assert kinds == [
        ("api", "match"),
        ("api", "search"),
        ("api", "reconcile"),
        ("cli", "screen"),
        ("batch", "batch"),
    ]
    first = entries[0]
    assert first.who.startswith("local:") and first.at.endswith("+00:00")
    assert first.versions == versions
    assert set(first.query["queries"]) == {"a", "b"} and first.query["limit"] == 3
    assert first.query["queries"]["a"]["names"] == ["Kim Kun"]
    assert first.query["queries"]["a"]["birth_dates"] == ["1954"]
    assert {m["entity_id"] for m in first.results["a"]["matches"]} == {
        "custom_testlist:T1",
        "custom_other:O1",
    }
    assert entries[3].results["q"]["matches"][0]["entity_id"] in {
        "custom_testlist:T1",
        "custom_other:O1",
    }
    run = entries[4]
    assert run.query["output"] == str(out.resolve())
    assert run.results["summary"]["rows"] == len(out.read_text().splitlines())
    assert len(run.results["output_sha256"]) == 64


def test_audit_export_and_append_only(fresh_db: Path) -> None:
    with make_client(fresh_db) as c:
        match(c, {"q": KIM})
        c.get("/search/default", params={"q": "banco"})
    r = runner.invoke(cli, ["audit", "export", "--since", "2000-01-01", "--store", str(fresh_db)])
    assert r.exit_code == 0, r.output
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["query"]["kind"] for x in lines] == ["match", "search"]
    assert set(lines[0]) == {"id", "at", "who", "channel", "query", "versions", "results", "hash"}
    later = runner.invoke(
        cli, ["audit", "export", "--since", "2999-01-01", "--store", str(fresh_db)]
    )
    assert later.stdout == ""
    api_only = runner.invoke(cli, ["audit", "export", "--channel", "cli", "--store", str(fresh_db)])
    assert api_only.stdout == ""
    assert runner.invoke(cli, ["audit", "verify", "--store", str(fresh_db)]).exit_code == 0
    with Store(fresh_db) as store:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute("UPDATE audit SET who='someone else'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute("DELETE FROM audit")
        # a forged row (triggers dropped by someone with the file) breaks the chain
        store.db.execute("DROP TRIGGER audit_no_update")
        store.db.execute("UPDATE audit SET who='someone else' WHERE id=1")
    broken = runner.invoke(cli, ["audit", "verify", "--store", str(fresh_db)])
    assert broken.exit_code == 1 and "broken at entry 1" in broken.output


def renamed_list(store: Store) -> None:
    """A new version of custom_testlist: Kim Kun renamed, the bank delisted."""
    entities = []
    for entity in store.entities("custom_testlist"):
        if entity.source_id == "T1":
            entity.names = [Name("Kim Kunthea")]
        if entity.source_id != "T2":
            entities.append(entity)
    entities.append(Entity("custom_testlist", "T9", "Person", [Name("Kim Kun Junior")]))
    store.add_version("custom_testlist", entities, label="v2")


def test_a_past_answer_is_reproduced_after_a_list_update(fresh_db: Path) -> None:
    with make_client(fresh_db) as c:
        before = match(c, {"kim": KIM, "bank": BANK}, cutoff=0.5).json()["responses"]
        with Store(fresh_db) as store:
            (entry,) = store.audit_entries()
            logged = entry.to_dict()
            renamed_list(store)
        after = match(c, {"kim": KIM, "bank": BANK}, cutoff=0.5).json()["responses"]
    assert ids(before["bank"]) == ["custom_testlist:T2"] and ids(after["bank"]) == []
    assert ids(before["kim"]) != ids(after["kim"])
    with Store(fresh_db) as store:
        first, second = store.audit_entries()
        assert first.to_dict() == logged  # untouched by the update
        assert first.versions != second.versions
        # replayed over the versions it names, the old answer comes back exactly
        assert replay(store, first) == first.results
        assert replay(store, second) == second.results
        assert [m["entity_id"] for m in first.results["kim"]["matches"]] == ids(before["kim"])
    r = runner.invoke(cli, ["audit", "replay", str(first.id), "--store", str(fresh_db)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["reproduced"] is True


def test_batch_run_is_reproduced(fresh_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "hits.jsonl"
    args = ["batch", str(BATCH / "names.csv"), "-o", str(out), "--store", str(fresh_db)]
    assert runner.invoke(cli, args).exit_code == 0
    with Store(fresh_db) as store:
        renamed_list(store)
        (entry,) = store.audit_entries(channel="batch")
        assert replay(store, entry) == entry.results


# ----------------------------------------------------------------------- logs, metrics


def test_metrics(client: TestClient) -> None:
    match(client, {"a": KIM, "b": BANK})
    client.get("/no/such/path")
    text = client.get("/metrics").text
    assert (
        'sanctio_http_requests_total{method="POST",route="/match/{dataset}",status="200"}' in text
    )
    assert 'route="unmatched",status="404"' in text
    assert 'sanctio_http_request_duration_seconds_bucket{le="0.05",method="POST"' in text
    assert 'sanctio_screening_queries_total{endpoint="match"}' in text
    assert 'sanctio_list_version{dataset="custom_testlist"}' in text
    assert "sanctio_index_entities 8.0" in text
    assert "sanctio_audit_entries_total" in text


def test_json_request_log(client: TestClient) -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(_JsonLogFormatter())
    logger = logging.getLogger("sanctio.api")
    logger.addHandler(handler)
    try:
        r = match(client, {"a": KIM, "b": BANK}, "custom", limit=2)
        client.get("/search/default", headers={"x-request-id": "abc123"})
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert first["event"] == "request" and first["status"] == 200
    assert first["route"] == "/match/{dataset}" and first["path"] == "/match/custom"
    assert first["queries"] == 2 and first["dataset"] == "custom"
    assert first["who"].startswith("local:") and isinstance(first["audit_id"], int)
    assert first["request_id"] == r.headers["x-request-id"]
    assert first["duration_ms"] > 0 and first["level"] == "info"
    assert second["status"] == 422 and second["request_id"] == "abc123"


# -------------------------------------------------------------------------- sanctio serve


def test_serve_with_two_workers(fresh_db: Path) -> None:
    """The real command: uvicorn, two worker processes, loopback, a free port; metrics
    summed over both workers."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "sanctio.cli", "serve", "--port", str(port)]
    command += ["--workers", "2", "--store", str(fresh_db), "--log-level", "warning"]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server not ready within 60 s"
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(6):  # new connections, so both workers are likely to answer
                r = httpx.post(f"{base}/match/default", json={"queries": {"q": KIM}}, timeout=10)
                assert r.status_code == 200 and len(r.json()["responses"]["q"]["results"]) == 2
            # A worker counts a request as its response goes out, so under load the
            # last count may land a moment after the client has the answer.
            counted = 0.0
            poll_until = time.monotonic() + 10
            while counted < 6.0 and time.monotonic() < poll_until:
                metrics = client.get("/metrics").text
                line = next(
                    x
                    for x in metrics.splitlines()
                    if x.startswith(
                        'sanctio_http_requests_total{method="POST",route="/match/{dataset}"'
                    )
                )
                counted = float(line.rsplit(" ", 1)[1])
                if counted < 6.0:
                    time.sleep(0.2)
        assert counted == 6.0
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
    with Store(fresh_db) as store:
        assert len(list(store.audit_entries(channel="api"))) == 6
