"""The local runner's Direct state file: on disk before a request leaves, and held by one runner at a time."""

import json
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from local.direct_state import StateBusy, held, kept, load
from local.sources.direct import DirectEmulator
from tests.conftest import TOKEN, aws_maker

OAUTH, MASTER, LOGIN = "direct-oauth-5e", "direct-master-1f", "acme"


def test_the_attempt_and_its_number_are_on_disk_before_the_request_leaves(emulator, tmp_path: Path, monkeypatch):
    import requests

    path = tmp_path / "state" / "numbers.json"
    seen_on_disk: list[dict] = []
    post = requests.post

    def sending(url, json=None, **kwargs):  # what a kill -9 at this instant would leave behind
        state = load(path)
        seen_on_disk.append(state)
        (attempt,) = state["invoiceRequests"]
        assert attempt["status"] == "SENT" and attempt["operationNum"] == json["operation_num"]
        assert state["operationNumbers"][LOGIN] == json["operation_num"]
        return post(url, json=json, **kwargs)

    monkeypatch.setattr(requests, "post", sending)
    with (
        DirectEmulator(OAUTH, MASTER, LOGIN, {11: "RUB"}) as direct,
        aws_maker(
            emulator,
            TOKEN,
            {"DirectSecret": json.dumps({"token": OAUTH, "masterToken": MASTER, "login": LOGIN})},
            DirectApiUrl=direct.base_url,
            DirectPayments="11:100:RUB",
        ) as make,
    ):
        aws = make()
        table = boto3.resource("dynamodb").Table(aws.environment["LOCK_TABLE"])
        with held(path), kept(path, table):
            assert aws.run({"reports": ["direct-invoice"]}).status == "SUCCEEDED"
        assert len(seen_on_disk) == 1 and len(direct.invoices) == 1
    (created,) = load(path)["invoiceRequests"]
    assert created["status"] == "CREATED" and created["url"] == direct.invoices[0].url


def test_a_second_runner_with_the_same_file_waits_then_refuses_plainly(tmp_path: Path):
    path = tmp_path / "numbers.json"
    holder = subprocess.Popen(  # another runner, holding the file
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom local.direct_state import held\n"
         "with held(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(30)\n", str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        busy = rf"in use by another runner \(pid {holder.pid}\).*wait for it"
        with pytest.raises(StateBusy, match=busy), held(path, wait_seconds=0.5):
            pytest.fail("two runners held the state file")
        assert time.monotonic() - started >= 0.5  # it waited first
    finally:
        holder.kill()
        holder.wait()
    with held(path, wait_seconds=0):  # free again
        pass
