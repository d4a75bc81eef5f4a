"""What the benchmarks share: a moto server in its own process, the Market emulator with finished reports,
the functions' environment (from template.yaml), worker processes and the printout.

Workers (``bench/_worker.py``) run in fresh processes so that what they measure (peak RSS, time) is theirs
alone: the Market emulator serves from this process (its own GIL), moto from a third one.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import requests
import yaml

from bench._worker import RESULT_MARK
from local.emulator import MarketEmulator

ROOT = Path(__file__).resolve().parent.parent
LAYER_DIR = ROOT / "layers" / "closing_docs" / "python"
FUNCTIONS_DIR = ROOT / "functions"
TEMPLATE = ROOT / "template.yaml"
PYTHON = sys.executable
MiB = 1024 * 1024
KiB = 1024

REGION = "eu-central-1"
BUSINESS = "bench"
BUSINESS_ID = 5001
TOKEN = "bench-token-3c9d1f"  # noqa: S105 - the emulator's token, not a credential
BUCKET = "bench-archive"
SECRET_NAME = "closing-documents/market-api-key"  # noqa: S105 - a name, not a secret
_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE")


# ------------------------------------------------------------------------------------------ moto server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def moto_server_module() -> str:
    """``moto.server`` when moto[server] is installed (it brings Flask and flask-cors), else
    ``bench._moto_server`` (the same moto backends behind a standard-library HTTP server)."""
    available = all(importlib.util.find_spec(name) is not None for name in ("flask", "flask_cors"))
    return "moto.server" if available else "bench._moto_server"


class MotoServer:
    """moto serving AWS in a subprocess on 127.0.0.1 (see :func:`moto_server_module`), so that its memory
    and CPU are not the worker's."""

    def __init__(self, start_timeout: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.module = moto_server_module()
        self.cpu_seconds: float | None = None  # user + system, known once stopped
        self._start_timeout = start_timeout
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> MotoServer:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        if self.module == "moto.server":
            argv = [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        else:
            argv = [PYTHON, "-m", "bench._moto_server", "--port", str(self.port)]
        self._process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
        deadline = time.monotonic() + self._start_timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with {self._process.returncode}: {self._output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto did not listen on {self.port} within {self._start_timeout} s") from None
                time.sleep(0.1)

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.terminate()
            deadline = time.monotonic() + 10
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    process.returncode = os.waitstatus_to_exitcode(status)
                    self.cpu_seconds = usage.ru_utime + usage.ru_stime
                    break
                if time.monotonic() > deadline:
                    process.kill()
                    process.wait(timeout=10)
                    break
                time.sleep(0.02)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def aws_env(endpoint: str) -> dict[str, str]:
    """Fake credentials and every AWS client pointed at ``endpoint`` (botocore reads AWS_ENDPOINT_URL)."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's fake credentials
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def provision(endpoint: str) -> None:
    """Create what the archive step reads and writes: the bucket and the Api-Key secret (a bare token)."""
    import boto3

    credentials = aws_env(endpoint)
    session = boto3.session.Session(
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    s3 = session.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    secrets = session.client("secretsmanager", endpoint_url=endpoint)
    secrets.create_secret(Name=SECRET_NAME, SecretString=TOKEN)


# ------------------------------------------------------------------------------------------ environment


class _AnyTagLoader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    """Reads template.yaml with any CloudFormation short tag (``!Ref x`` -> ``{"Ref": "x"}``, ``!And [...]``
    -> ``{"Fn::And": [...]}``), so that a new intrinsic elsewhere in the template does not stop a benchmark."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type,unused-ignore]
    return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}


_AnyTagLoader.add_multi_constructor("!", _construct_tag)


def _load_template() -> dict[str, Any]:
    return dict(yaml.load(TEMPLATE.read_text(), Loader=_AnyTagLoader))  # noqa: S506 - a SafeLoader subclass


def template_environment(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables template.yaml's Globals give every function: literal values, a parameter's default for
    a ``!Ref`` to a parameter, and a dummy name for a ``!Ref`` to a resource; then ``overrides``."""
    template = _load_template()
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    parameters = template.get("Parameters", {})
    env: dict[str, str] = {}
    for name, value in variables.items():
        if isinstance(value, str | int | float):
            env[name] = str(value)
        elif isinstance(value, dict) and value.get("Ref") in parameters:
            default = parameters[value["Ref"]].get("Default", "")
            env[name] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
        else:
            env[name] = f"bench-{name.lower().replace('_', '-')}"
    env.update(overrides or {})
    return env


def clean_environ() -> dict[str, str]:
    """This process's environment without AWS profile/credential settings and Powertools switches."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN")) and key not in _AWS_VARIABLES
    }


def worker_env(
    moto_url: str, market_url: str, link_origins: Sequence[str] = (), transfer: Mapping[str, int] | None = None
) -> dict[str, str]:
    """The environment of a worker process: the functions' variables pointed at the emulator and moto;
    file links may point at the emulator and at ``link_origins``; ``transfer`` overrides TransferConfig."""
    env = clean_environ()
    env.update(aws_env(moto_url))
    env.update(
        template_environment(
            {
                "POWERTOOLS_LOG_LEVEL": "WARNING",  # keep the worker's stdout for its result
                "MARKET_API_URL": market_url,
                "MARKET_API_KEY_SECRET": SECRET_NAME,
                "ARCHIVE_BUCKET": BUCKET,
                "BUSINESS_NAME": BUSINESS,
                "DOWNLOAD_ALLOWED_ORIGINS": ",".join([market_url, *link_origins]),
                "LOCK_TABLE": "bench-locks",
            }
        )
    )
    if transfer:
        env["BENCH_TRANSFER_CONFIG"] = json.dumps(dict(transfer))
    env["BENCH_TOKEN"] = TOKEN  # for the workers' own reports/info calls (naive, download-only)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(LAYER_DIR)])
    return env


# ------------------------------------------------------------------------------------------ Market emulator


def previous_month() -> tuple[int, int]:
    today = datetime.now(UTC)
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


@dataclass
class Report:
    campaign_id: int
    padding: int
    report_id: str

    @property
    def ref(self) -> str:
        """How a worker is told about it: ``campaignId:reportId``."""
        return f"{self.campaign_id}:{self.report_id}"


@dataclass
class Market:
    emulator: MarketEmulator
    url: str  # the API (and, unless throttled, the file links)
    month: str
    reports: dict[int, Report] = field(default_factory=dict)  # by padding in bytes

    @contextlib.contextmanager
    def throttled_links(self, bytes_per_second: float) -> Iterator[ThrottledProxy]:
        """File links (not the API) through a proxy that sends at most ``bytes_per_second`` per connection."""
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        with ThrottledProxy((host, int(port)), bytes_per_second) as proxy:
            self.emulator.base_url = proxy.url  # what the emulator signs links with
            try:
                yield proxy
            finally:
                self.emulator.base_url = self.url

    def link(self, report: Report) -> str:
        """A fresh signed link to the report's archive (as reports/info hands it out)."""
        response = requests.get(
            f"{self.url}/v2/reports/info/{report.report_id}", headers={"Api-Key": TOKEN}, timeout=30
        )
        response.raise_for_status()
        return str(response.json()["result"]["file"])

    def fetch(self, report: Report, target: IO[bytes] | None = None) -> int:
        """Download the archive (into ``target``, else discarded); returns its size. The first download of a
        padded archive also makes the emulator build it, so timed downloads never include that."""
        size = 0
        with requests.get(self.link(report), stream=True, timeout=(10, 120)) as response:
            response.raise_for_status()
            for chunk in response.iter_content(MiB):
                size += len(chunk)
                if target is not None:
                    target.write(chunk)
        return size


@contextlib.contextmanager
def market_with_reports(paddings: Sequence[int]) -> Iterator[Market]:
    """The Market emulator on 127.0.0.1 with one campaign per padding size and a finished report for each.

    The archive is the emulator's few one-page PDFs plus one stored padding PDF of that many bytes.
    """
    year, month = previous_month()
    emulator = MarketEmulator(time_scale=0.01, generation_seconds=1.0, estimate_ms=1000, link_ttl_seconds=1e7)
    campaigns = {padding: 1001 + index for index, padding in enumerate(paddings)}
    emulator.add_business(name=BUSINESS, token=TOKEN, business_id=BUSINESS_ID, campaign_ids=campaigns.values())
    for padding, campaign_id in campaigns.items():
        emulator.set_padding(campaign_id, padding)
    with emulator:
        market = Market(emulator, str(emulator.base_url), f"{year:04d}-{month:02d}")
        for padding, campaign_id in campaigns.items():
            response = requests.post(
                f"{market.url}/v2/reports/closure-documents/generate",
                json={"campaignId": campaign_id, "monthOfYear": {"year": year, "month": month}},
                headers={"Api-Key": TOKEN},
                timeout=30,
            )
            response.raise_for_status()
            report = Report(campaign_id, padding, response.json()["result"]["reportId"])
            _wait_done(market, report)  # one at a time: Yandex limits a business's active reports
            market.reports[padding] = report
        yield market


class ThrottledProxy:
    """A TCP proxy on 127.0.0.1 to ``upstream`` that sends each client at most ``bytes_per_second``.

    It stands for a download link slower than loopback (the emulator serves GB/s), so that download and
    upload take comparable times and overlap (or its absence) shows. Requests go upstream unthrottled.
    """

    BLOCK = 64 * KiB

    def __init__(self, upstream: tuple[str, int], bytes_per_second: float) -> None:
        self.upstream, self.rate = upstream, bytes_per_second
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> ThrottledProxy:
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closed.set()
        self._listener.close()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="throttled-proxy")
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self._spawn(self._pump, client, upstream, None)
            self._spawn(self._pump, upstream, client, self.rate)

    @classmethod
    def _pump(cls, source: socket.socket, target: socket.socket, rate: float | None) -> None:
        sent, started = 0, time.monotonic()
        try:
            while data := source.recv(cls.BLOCK):
                target.sendall(data)
                if rate:
                    sent += len(data)
                    ahead = sent / rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()


def _wait_done(market: Market, report: Report, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(
            f"{market.url}/v2/reports/info/{report.report_id}", headers={"Api-Key": TOKEN}, timeout=30
        )
        if response.status_code == 200 and response.json()["result"]["status"] == "DONE":
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"report {report.report_id} not DONE after {timeout} s: {response.text[:300]}")
        time.sleep(0.05)


# ------------------------------------------------------------------------------------------ workers


@dataclass(frozen=True)
class WorkerResult:
    """What a worker process reported, plus the kernel's view of it."""

    data: dict[str, Any]
    ru_maxrss_kib: int  # os.wait4: includes the parent's RSS at spawn (Linux keeps the high-water mark on exec)
    cpu_seconds: float  # user + system, the whole process (imports and warm-up included)

    @property
    def seconds(self) -> float:
        return float(self.data["seconds"])

    @property
    def peak_mib(self) -> float:
        return float(self.data["peak_rss_kib"]) / KiB

    @property
    def baseline_mib(self) -> float:
        return float(self.data["baseline_rss_kib"]) / KiB


def run_worker(mode: str, env: Mapping[str, str], args: Sequence[str], timeout: float = 300.0) -> WorkerResult:
    """Run ``python -m bench._worker MODE ARGS`` in a fresh process and collect its result."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        argv = [PYTHON, "-m", "bench._worker", mode, *args]
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=dict(env), cwd=ROOT)  # noqa: S603
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(f"worker {mode} did not finish within {timeout} s")
            time.sleep(0.02)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"worker {mode} exited with {process.returncode}:\n{stderr[-3000:]}")
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_MARK)]
    if not lines:
        raise RuntimeError(f"worker {mode} printed no result:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return WorkerResult(json.loads(lines[-1][len(RESULT_MARK) :]), usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


# ------------------------------------------------------------------------------------------ TransferConfig


def add_transfer_arguments(parser: argparse.ArgumentParser) -> None:
    """Options to try another TransferConfig in the workers than the one archive.py deploys."""
    group = parser.add_argument_group(
        "experiments (override closing_docs.adapters.archive.transfer_config() in the workers)"
    )
    group.add_argument("--part-mib", type=float, help="multipart_threshold and multipart_chunksize, MiB")
    group.add_argument("--concurrency", type=int, help="max_request_concurrency (parallel part uploads)")
    group.add_argument("--in-memory-parts", type=int, help="max_in_memory_upload_chunks")


def transfer_overrides(args: argparse.Namespace) -> dict[str, int]:
    overrides = {}
    if args.part_mib:
        overrides["multipart_threshold"] = overrides["multipart_chunksize"] = int(args.part_mib * MiB)
    if args.concurrency:
        overrides["max_request_concurrency"] = args.concurrency
    if args.in_memory_parts:
        overrides["max_in_memory_upload_chunks"] = args.in_memory_parts
    return overrides


def describe_transfer_config(config: Mapping[str, int], overridden: bool) -> str:
    origin = "OVERRIDDEN, not what archive.py deploys" if overridden else "as archive.py deploys it"
    part, threshold = config["multipart_chunksize"] / MiB, config["multipart_threshold"] / MiB
    return (
        f"TransferConfig ({origin}): parts of {part:g} MiB (multipart from {threshold:g} MiB), "
        f"{config['max_request_concurrency']} concurrent part upload(s), "
        f"{config['max_in_memory_upload_chunks']} in-memory part(s)"
    )


# ------------------------------------------------------------------------------------------ printout


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def size_label(n_bytes: int) -> str:
    return f"{n_bytes / MiB:g} MiB" if n_bytes >= MiB else f"{n_bytes / KiB:g} KiB"
