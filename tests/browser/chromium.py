"""Headless Chromium (Debian's ``chromium`` package, installed by ``make browser``) through its command line.

No driver and no network: ``--dump-dom`` prints the DOM after the page has loaded and laid out, ``--screenshot``
and ``--print-to-pdf`` render it as a person sees it on screen and on paper. A missing Chromium is a failure that
says how to install it, never a skip: CI installs it (``make test`` depends on ``make browser``).
"""

from __future__ import annotations

import os
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "out" / "test-artifacts"  # git-ignored; CI keeps what it likes of it
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in CI, no user namespaces
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
)


def require() -> Path:
    """The Chromium binary, or a failure that says how to get it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed: {CHROMIUM} is missing. `make browser` installs Debian's chromium "
            "(apt-get install --no-install-recommends chromium, as root); `make test` runs it first. "
            "CHROMIUM=/path/to/chromium points the tests at another build.",
            pytrace=False,
        )
    return CHROMIUM


def run(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Open ``page`` (a local file) in headless Chromium with ``args``, a fresh profile in ``profile``."""
    command = [str(require()), *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
    result = subprocess.run(command, capture_output=True, timeout=180, check=False)
    if result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace")[-3000:]
        raise AssertionError(f"chromium exited {result.returncode}: {' '.join(command)}\n{tail}")
    return result


def dump_dom(page: Path, profile: Path) -> str:
    return run(page, profile, "--dump-dom").stdout.decode("utf-8")


def screenshot(page: Path, profile: Path, target: Path, width: int = 1400, height: int = 1000) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    run(page, profile, f"--screenshot={target}", f"--window-size={width},{height}")
    assert target.is_file(), f"chromium wrote no screenshot at {target}"
    return target


def print_to_pdf(page: Path, profile: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    run(page, profile, f"--print-to-pdf={target}", "--no-pdf-header-footer")
    assert target.is_file(), f"chromium wrote no PDF at {target}"
    return target


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


class Dom(HTMLParser):
    """What the tests read from a rendered page: every unit (its data attributes and text), the totals, every link
    and every tag name."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.units: list[dict[str, str]] = []
        self.totals: dict[str, int] = {}
        self.links: list[str] = []
        self.tags: set[str] = set()
        self.sections: list[str] = []
        self._unit_depth = 0
        self._total: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.add(tag)
        if self._unit_depth:
            self._unit_depth += 1
        elif "unit" in values.get("class", "").split():
            self.units.append({name[5:]: v for name, v in values.items() if name.startswith("data-")} | {"text": ""})
            self._unit_depth = 1
        if "data-total" in values:
            self._total = values["data-total"]
        if "data-section" in values:
            self.sections.append(values["data-section"])
        for attribute in ("href", "src"):
            if attribute in values:
                self.links.append(values[attribute])

    def handle_endtag(self, tag: str) -> None:
        if self._unit_depth:
            self._unit_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._unit_depth:
            self.units[-1]["text"] += data + " "
        if self._total is not None and data.strip():
            self.totals[self._total] = int(data)
            self._total = None
