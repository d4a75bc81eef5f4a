"""The local runner's --source modes, driven exactly as the issue says: a subprocess, its stdout, its exit."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from closing_docs.domain.months import Month
from local.direct_state import load
from local.sources.activeplatform import ActivePlatformEmulator
from local.sources.direct import DirectEmulator, Fault
from local.sources.ofd import OfdEmulator

ROOT = Path(__file__).resolve().parents[2]
SCALE = "0.005"
SECRETS = ("ap-token-51c", "ofd-auth-9d1", "ofd-key-2b7", "direct-oauth-e4", "direct-master-0a")
NEXT = str(Month.of(datetime.now(UTC)).shift(1))  # the month a prepayment invoice made today is for


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
                "--payment", "12:250.5:RUB", "--month", NEXT, "--operation-num-file", str(numbers),
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
        assert [n["attributes"]["status"] for n in json.loads(third.stdout)["notifications"]] == ["ALREADY_ARCHIVED"]


def test_a_failed_unit_exits_1_and_bad_arguments_call_nothing(tmp_path: Path):
    with DirectEmulator("direct-oauth-e4", "direct-master-0a", "acme", {11: "USD"}) as direct:
        common = ("--source", "direct-invoice", "--api-url", direct.base_url, "--api-key", "direct-oauth-e4",
                  "--master-token", "direct-master-0a", "--login", "acme", "--month", NEXT,
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


def _direct_args(direct: DirectEmulator, numbers: Path, *more: str) -> tuple[str, ...]:
    out = numbers.parent / f"out-{len(direct.calls)}-{time.monotonic_ns()}"
    return ("--source", "direct-invoice", "--api-url", direct.base_url, "--api-key", "direct-oauth-e4",
            "--master-token", "direct-master-0a", "--login", "acme", "--payment", "11:1000:RUB", "--month", NEXT,
            "--operation-num-file", str(numbers), "--out", str(out), "--time-scale", SCALE, "--json",
            *more)  # fmt: skip


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "local.run", *args],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _sent(direct: DirectEmulator) -> list:
    return [c for c in direct.calls if c.op != "unknown"]


@pytest.mark.parametrize(
    ("fault", "when", "kill"),
    [
        (Fault(kind="timeout_after_send", seconds=60), "the invoice is created, its answer held", signal.SIGKILL),
        (Fault(kind="timeout_after_send", seconds=60), "the invoice is created, its answer held", signal.SIGTERM),
        # held long enough that the kill lands while it is in flight, however slowly a busy machine polls the file
        (Fault(kind="slow", seconds=10), "the request is in flight, not yet handled", signal.SIGKILL),
    ],
    ids=["held-answer-kill-9", "held-answer-sigterm", "in-flight-kill-9"],
)
def test_a_runner_killed_at_any_point_never_sends_a_second_invoice_or_a_number_twice(tmp_path, fault, when, kill):
    numbers = tmp_path / "numbers.json"
    with DirectEmulator("direct-oauth-e4", "direct-master-0a", "acme", {11: "RUB"}) as direct:
        direct.inject(fault)
        runner = _start(*_direct_args(direct, numbers))

        def in_flight() -> bool:  # recorded before it is sent, then arrived (it took the fault): not yet handled
            sent = numbers.exists() and any(r["status"] == "SENT" for r in load(numbers)["invoiceRequests"])
            return sent and direct.faults_left() == 0

        _until(in_flight if fault.kind == "slow" else lambda: len(direct.invoices) == 1)
        runner.send_signal(kill)  # when: the state file already holds the number and the attempt
        runner.communicate(timeout=60)
        _until(lambda: len(direct.invoices) == 1)  # the request in flight is handled all the same
        (sent,) = _sent(direct)
        assert load(numbers)["operationNumbers"] == {"acme": sent.json["operation_num"]}

        again = run(*_direct_args(direct, numbers))  # the same month again: outcome unknown, nothing sent
        assert again.returncode == 1, again.stderr
        (notice,) = json.loads(again.stdout)["notifications"]
        assert notice["attributes"]["status"] == "FAILED" and "invoiceNumber" in notice["message"]
        assert len(_sent(direct)) == 1 and len(direct.invoices) == 1

        recorded = run(*_direct_args(direct, numbers, "--invoice-number", "Б-14062489-1"))  # a person resolves it
        assert recorded.returncode == 0, recorded.stdout
        (notice,) = json.loads(recorded.stdout)["notifications"]
        assert "Б-14062489-1" in json.loads(notice["message"])["message"]
        forced = run(*_direct_args(direct, numbers, "--force"))  # a second invoice, asked for: a higher number
        assert forced.returncode == 0, forced.stdout
        assert len(direct.invoices) == 2 and direct.invoices[1].operation_num > direct.invoices[0].operation_num
        assert all(call.status == 200 and "354" not in str(call.json) for call in _sent(direct))


def test_two_runners_with_one_state_file_make_one_invoice(tmp_path):
    numbers = tmp_path / "numbers.json"
    with DirectEmulator("direct-oauth-e4", "direct-master-0a", "acme", {11: "RUB"}) as direct:
        # the first runner holds the file while its answer is slow: longer than a second runner takes to start
        # (a Python with boto3 and moto to import, on a busy machine) and shorter than it waits (30 s)
        direct.inject(Fault(kind="slow", seconds=10))
        first = _start(*_direct_args(direct, numbers))
        _until(lambda: numbers.exists())
        second = run(*_direct_args(direct, numbers))
        out, _ = first.communicate(timeout=120)
        assert first.returncode == 0 and second.returncode == 0, second.stderr
        assert "waiting for the runner" in second.stderr
        statuses = [n["attributes"]["status"] for r in (out, second.stdout) for n in json.loads(r)["notifications"]]
        assert statuses == ["ARCHIVED", "ALREADY_ARCHIVED"]
        assert len(direct.invoices) == 1 and len(_sent(direct)) == 1
