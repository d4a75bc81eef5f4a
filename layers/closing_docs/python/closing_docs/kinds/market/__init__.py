"""Yandex Market's reports: one small module per report kind, each defining ``KIND = ReportKind(...)``.

A report is started (POST .../generate, within Yandex's window for the kind), polled (GET /v2/reports/info, the
CheckStatus step) and fetched: a fresh signed link, the download streamed into the archive and checked as a ZIP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from math import ceil
from typing import Any

from closing_docs.adapters.archive import CHUNK_SIZE, StoredZip
from closing_docs.adapters.market import link_host
from closing_docs.adapters.observability import logger
from closing_docs.domain import polling
from closing_docs.domain.errors import MarketProtocolError
from closing_docs.domain.models import Manifest, ReportRef
from closing_docs.domain.texts import say
from closing_docs.domain.unit import Unit
from closing_docs.kinds import Archived, Kind, Started
from closing_docs.kinds.work import Work

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, kw_only=True)
class ReportKind(Kind):
    """A Yandex Market report: generated, polled with reports/info, downloaded from a signed link."""

    path: str  # POST endpoint that starts the generation
    body: Callable[[Unit], dict[str, Any]]  # the JSON body for one unit of work
    polls: bool = True

    def params(self, unit: Unit, deployed: str) -> dict[str, str] | None:
        """A table report's ?format= (FILE: XLSX, CSV/JSON: ZIP of sheets): a CSV twin's own, else the deployment's."""
        return {"format": unit.file_format(deployed)} if self.table else None

    def start(self, work: Work) -> Started:
        """Request the report, unless Yandex's window for this kind is closed for the business (PACED)."""
        job = work.job
        if (wait := work.pacing().wait_seconds(job.business, job.kind)) > 0:
            logger.info("waiting for Yandex's window for this report kind", extra={"wait_seconds": ceil(wait)})
            return Started(paced_seconds=ceil(wait))
        params = self.params(job, work.settings.report_format)
        generation = work.market(job.business).generate(self.path, self.body(job), params)
        work.pacing().record(job.business, job.kind, generation.window)
        wait = polling.first_wait(generation.report.estimated_generation_time)
        logger.info("report requested", extra={"report_id": generation.report.report_id, "wait_seconds": wait})
        report_id = generation.report.report_id
        return Started(report=ReportRef(report_id=report_id, wait_seconds=wait, requested_at=datetime.now(UTC)))

    def fetch(self, work: Work) -> Archived:
        """A fresh link from reports/info (links expire: never across a Wait), streamed into S3 and checked."""
        settings, job, report = work.settings, work.job, work.report
        if report is None:
            raise MarketProtocolError(say("error.archive.no_report", title=self.title(job)))
        client = work.market(job.business)
        info = client.report_info(report.report_id)
        if info.status != "DONE" or not info.file:
            raise MarketProtocolError(say("error.archive.no_file", report=report.report_id, status=info.status))
        host = link_host(info.file)
        logger.info("downloading", extra={"download_host": host})
        chunks, length = client.download(info.file, CHUNK_SIZE)
        report_format = job.file_format(settings.report_format)  # a CSV twin's own, else the deployment's
        xlsx = self.table and report_format == "FILE"
        key = self.keys(job, settings.prefix).file("xlsx" if xlsx else "zip")
        stored = work.store().store_zip(key, chunks, length, XLSX if xlsx else "application/zip")
        manifest = Manifest(
            **job.identity(),
            title=self.title(job),
            report_id=report.report_id,
            zip_key=stored.key,
            sha256=stored.sha256,
            size_bytes=stored.size_bytes,
            version_id=stored.version_id,
            documents=stored.documents,
            request=self.body(job),
            format=report_format if self.table else None,
            sheets=self._sheets(work, stored, report_format) if self.table else None,
            generation_requested_at=info.generation_requested_at,
            generation_finished_at=info.generation_finished_at,
            archived_at=datetime.now(UTC),
            execution_id=work.execution_id,
            source_api=settings.api_url,
            download_host=host,
        )
        return Archived(manifest=manifest, unit=job)

    @staticmethod
    def _sheets(work: Work, stored: StoredZip, report_format: str) -> list[str]:
        """A table report's sheets: the workbook's (XLSX) or one file per sheet (ZIP of CSV or JSON)."""
        if report_format == "FILE":
            return work.store().xlsx_sheets(stored.key, stored.size_bytes)
        return [document.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] for document in stored.documents]
