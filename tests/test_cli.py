"""The `sanctio` command end to end, on the self-written fixture tree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from followthemoney import model as ftm_model
from typer.testing import CliRunner

from sanctio.cli import app

runner = CliRunner()


@pytest.fixture
def tree(tmp_path: Path, fixtures: Path) -> Path:
    root = tmp_path / "lists"
    shutil.copytree(fixtures / "lists", root)
    return root


@pytest.fixture
def loaded(tree: Path, sanctio_home: Path) -> Path:
    result = runner.invoke(app, ["update", "--from", str(tree)])
    assert result.exit_code == 0, result.output
    return tree


def test_update_and_lists(loaded: Path) -> None:
    result = runner.invoke(app, ["lists", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["dataset"]: r for r in json.loads(result.stdout)}
    assert rows["us_ofac_sdn"]["entities"] == 4
    assert rows["us_ofac_sdn"]["status"] == "active"
    assert rows["gb_hmt_sanctions"]["published"] == "2018-04-13"
    table = runner.invoke(app, ["lists"])
    assert "us_ofac_sdn" in table.stdout and "gb_hmt_sanctions" in table.stdout


def test_show_kim_kun(loaded: Path) -> None:
    result = runner.invoke(app, ["show", "us_ofac_sdn:28036"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in (
        "KIM, Kun",
        "KIM, Koen",
        "1954-01-01",
        "GLOMAG",
        "N0000259216",
        "us_ofac_sdn:28037",
    ):
        assert expected in out, expected
    data = json.loads(runner.invoke(app, ["show", "us_ofac_sdn:28036", "--json"]).stdout)
    assert data["entity"]["birth_dates"] == ["1954-01-01"]
    assert data["referred_by"] == [{"id": "us_ofac_sdn:28037", "name": "CHANDY, King"}]


def test_show_unknown_entity(loaded: Path) -> None:
    result = runner.invoke(app, ["show", "us_ofac_sdn:1"])
    assert result.exit_code == 1
    assert "no entity" in result.output


def test_show_delisted_entity_and_old_version(loaded: Path) -> None:
    result = runner.invoke(app, ["show", "gb_hmt_sanctions:90003"])
    assert result.exit_code == 0
    assert "delisted" in result.stdout and "OLD NAME" in result.stdout


def test_diff(loaded: Path) -> None:
    result = runner.invoke(app, ["diff", "gb_hmt_sanctions"])
    assert result.exit_code == 0, result.output
    assert "+1" in result.stdout and "~1" in result.stdout and "-1" in result.stdout
    assert "gb_hmt_sanctions:90004" in result.stdout


def test_export_ftm_is_readable_by_followthemoney(loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.ftm.json"
    result = runner.invoke(app, ["export", "--format", "ftm", "-o", str(out)])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    proxies = {d["id"]: ftm_model.get_proxy(d) for d in docs}
    kim = proxies["us-ofac-sdn-28036"]
    assert kim.schema.name == "Person"
    assert "KIM, Kun" in kim.get("name") and "KIM, Koen" in kim.get("alias")
    assert kim.get("birthDate") == ["1954-01-01"]
    assert proxies["us-ofac-sdn-28036-sanction"].get("program") == ["GLOMAG"]
    vessel = proxies["us-ofac-sdn-9999"]
    assert vessel.schema.name == "Vessel" and vessel.get("imoNumber") == ["IMO9074729"]
    links = [p for p in proxies.values() if p.schema.name == "UnknownLink"]
    assert [(p.get("subject"), p.get("object")) for p in links] == [
        (["us-ofac-sdn-28037"], ["us-ofac-sdn-28036"])
    ]
    assert {d["sanctio_id"] for d in docs if d["id"] == "us-ofac-sdn-28036"} == {
        "us_ofac_sdn:28036"
    }


def test_refused_update_exits_nonzero_and_keeps_version(loaded: Path) -> None:
    sdn = loaded / "ofac_sdn_2024-05-03" / "SDN.CSV"
    sdn.write_bytes(b'28036,"KIM, Kun"\r\n')
    result = runner.invoke(app, ["update", "--from", str(loaded), "-d", "us_ofac_sdn"])
    assert result.exit_code == 1
    assert "refused" in result.output and "SDN.CSV" in result.output
    rows = json.loads(runner.invoke(app, ["lists", "--json"]).stdout)
    assert {r["dataset"]: r["entities"] for r in rows}["us_ofac_sdn"] == 4


def test_update_from_missing_folder(sanctio_home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["update", "--from", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_update_offline_reports_and_keeps_lists(
    loaded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(self: httpx.Client, *args: object, **kwargs: object) -> None:
        raise httpx.ConnectError("Name or service not known")

    monkeypatch.setattr(httpx.Client, "stream", offline)
    monkeypatch.setattr("sanctio.fetch.time.sleep", lambda s: None)
    result = runner.invoke(app, ["update", "-d", "us_ofac_sdn"])
    assert result.exit_code == 1
    assert "download failed" in result.output and "offline" in result.output
    rows = json.loads(runner.invoke(app, ["lists", "--json"]).stdout)
    assert {r["dataset"] for r in rows} == {"us_ofac_sdn", "gb_hmt_sanctions"}


def test_custom_watchlist(sanctio_home: Path, fixtures: Path) -> None:
    path = fixtures / "custom_csv" / "custom_acme.csv"
    result = runner.invoke(app, ["update", "--custom", f"acme={path}"])
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(app, ["lists", "--json"]).stdout)
    assert [r["dataset"] for r in rows] == ["custom_acme"]
    assert rows[0]["entities"] > 0
    bad = runner.invoke(app, ["update", "--custom", "Bad Name=x.csv"])
    assert bad.exit_code == 2


def test_lists_empty_store(sanctio_home: Path) -> None:
    result = runner.invoke(app, ["lists"])
    assert result.exit_code == 1
    assert "sanctio update" in result.output
