"""The local runner's --source modes, driven exactly as the issue says: a subprocess, its stdout, its exit."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.sources.activeplatform import ActivePlatformEmulator
from local.sources.direct import DirectEmulator
from local.sources.ofd import OfdEmulator

ROOT = Path(__file__).resolve().parents[2]
SCALE = "0.005"
SECRETS = ("ap-token-51c", "ofd-auth-9d1", "ofd-key-2b7", "direct-oauth-e4", "direct-master-0a")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "local.run", *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    for secret in SECRETS:
        assert secret not in result.stdout and secret not in result.stderr
    return result


def test_activeplatform(tmp_path: Path):
    pdf = b"%PDF-1.4 closing document\n%%EOF\n"
    with ActivePlatformEmulator("ap-token-51c") as platform:
        platform.add_document(7, 70, "0493e78a-e8ef-11e9-81b4-2a2ae2dbcce4", name="Act", content=pdf,
                              start_date="2025-11-01", end_date="2025-11-30")  # fmt: skip
        result = run(
            *("--source", "activeplatform", "--api-url", platform.base_url, "--api-key", "ap-token-51c"),
            *("--reseller-id", "7", "--account-id", "70", "--document-key", "0493e78a-e8ef-11e9-81b4-2a2ae2dbcce4"),
            *("--out", str(tmp_path), "--time-scale", SCALE, "--json"),
        )
    assert result.returncode == 0, result.stderr + result.stdout
    report = json.loads(result.stdout)
    (pdf_entry,) = [a for a in report["archives"] if a["key"].endswith(".pdf")]
    assert pdf_entry["sha256"] == hashlib.sha256(pdf).hexdigest() and (tmp_path / pdf_entry["key"]).read_bytes() == pdf
    assert any(a["key"].endswith(".manifest.json") for a in report["archives"])
    assert [n["attributes"]["status"] for n in report["notifications"]] == ["ARCHIVED"]


def test_ofd(tmp_path: Path):
    with OfdEmulator("ofd-auth-9d1", "ofd-key-2b7") as ofd:
        ofd.set_company("c1", seed=3)
        result = run(
            *(
                "--source",
                "ofd",
                "--api-url",
                ofd.base_url,
                "--ofd-auth-key",
                "ofd-auth-9d1",
                "--ofd-key",
                "ofd-key-2b7",
            ),
            *("--month", "2025-02", "--company-id", "c1", "--out", str(tmp_path), "--time-scale", SCALE, "--json"),
        )
    assert result.returncode == 0, result.stderr + result.stdout
    keys = [a["key"] for a in json.loads(result.stdout)["archives"]]
    assert any(k.endswith("ofd-sales_c1_2025-02.json") for k in keys) and any(k.endswith(".csv") for k in keys)


def test_direct_invoice_numbers_grow_across_runs_of_the_runner(tmp_path: Path):
    numbers = tmp_path / "numbers.json"
    with DirectEmulator("direct-oauth-e4", "direct-master-0a", "acme", {11: "RUB", 12: "RUB"}) as direct:
        base = ("--source", "direct-invoice", "--api-url", direct.base_url, "--api-key", "direct-oauth-e4",
                "--master-token", "direct-master-0a", "--login", "acme", "--payment", "11:1000:RUB",
                "--payment", "12:250.5:RUB", "--month", "2025-12", "--operation-num-file", str(numbers),
                "--time-scale", SCALE, "--json")  # fmt: skip
        first = run(*base)
        second = run(*base, "--force")  # a second invoice, asked for: its number must be higher, run after run
        third = run(*base)  # created already (the runner's state file knows): no call, no invoice
        assert [r.returncode for r in (first, second, third)] == [0, 0, 0], second.stdout
        assert len(direct.invoices) == 2
        one, two = (invoice.operation_num for invoice in direct.invoices)
        state = json.loads(numbers.read_text())
        assert two > one and state["operationNumbers"] == {"acme": two}
        assert {r["status"] for r in state["invoiceRequests"]} == {"CREATED"}
        url = json.loads(first.stdout)["notifications"][0]["message"]
        assert direct.invoices[0].url in url


def test_a_failed_unit_exits_1_and_bad_arguments_call_nothing(tmp_path: Path):
    with DirectEmulator("direct-oauth-e4", "direct-master-0a", "acme", {11: "USD"}) as direct:
        common = ("--source", "direct-invoice", "--api-url", direct.base_url, "--api-key", "direct-oauth-e4",
                  "--master-token", "direct-master-0a", "--login", "acme", "--month", "2025-12",
                  "--operation-num-file", str(tmp_path / "n.json"), "--time-scale", SCALE, "--json")  # fmt: skip
        refused = run(*common, "--payment", "11:10:RUB")  # Direct: 245, the campaign is in USD
        assert refused.returncode == 1
        assert "245" in json.loads(refused.stdout)["notifications"][0]["message"]
        invalid = run(*common, "--payment", "11:-3:USD")
        assert invalid.returncode != 0 and "payments: must be" in invalid.stdout
        assert run(*common).returncode == 2  # no --payment at all
        assert len([c for c in direct.calls if c.op != "unknown"]) == 1


@pytest.mark.parametrize("source", ["activeplatform", "ofd", "direct-invoice"])
def test_a_source_without_what_it_needs_exits_2(source):
    result = run("--source", source, "--api-url", "http://127.0.0.1:9")
    assert result.returncode == 2 and f"--source {source} needs" in result.stderr
