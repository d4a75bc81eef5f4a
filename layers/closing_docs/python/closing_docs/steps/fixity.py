"""The fixity run's three steps (statemachine/fixity.asl.json): ListArchive, CheckBatch, Report (see fixity.py)."""

from __future__ import annotations

from functools import lru_cache

from closing_docs.adapters.archive import ArchiveStore
from closing_docs.adapters.observability import logger, metrics
from closing_docs.domain.config import get_settings
from closing_docs.proof.fixity import (
    FixityBatch,
    FixityBatchDone,
    FixityReport,
    FixityReportEvent,
    FixityStart,
    FixityWork,
    archive_prefix,
    build_report,
    check_batch,
    fitted,
    list_work,
    publish,
    result_key,
)
from closing_docs.steps.wiring import bucket_store, sns, store


@lru_cache(maxsize=4)
def _work(bucket: str) -> ArchiveStore:
    """The fixity work bucket (work lists, results, reports), through the archive's S3 client."""
    return bucket_store(bucket)


def list_archive(event: FixityStart) -> FixityWork:
    """Every manifest under the archive prefix (or the folder asked for), in batches, written as the work list."""
    settings = get_settings()
    prefix = archive_prefix(settings.prefix, event.input)
    work = list_work(store(), _work(event.work_bucket), prefix, event)
    logger.info(
        "fixity work listed",
        extra={"prefix": prefix, "manifests": work.manifests, "batches": work.batches, "work_key": work.work_key},
    )
    return work


def check(event: FixityBatch) -> FixityBatchDone:
    """Re-read every file of the batch's manifests; keep only the problems (also left in the work bucket)."""
    result = check_batch(store(), event)
    _work(event.work_bucket).write_json(result_key(event.run_prefix, event.batch), result)
    for problem in result.problems:
        logger.warning("fixity problem", extra={"status": problem.status, "key": problem.key})
    logger.info(
        "fixity batch checked",
        extra={"batch": event.batch, "files": result.files, "bytes": result.bytes, "problems": len(result.problems)},
    )
    return FixityBatchDone(
        batch=result.batch, files=result.files, problem_count=len(result.problems), problems=result.problems
    )


def report(event: FixityReportEvent) -> FixityReport:
    """Gather the batches; publish the problems to the operations topic; always emit FixityProblems."""
    full = build_report(_work(event.work_bucket), event)
    metrics.add_metric(name="FixityProblems", unit="Count", value=len(full.problems))
    metrics.add_metric(name="FixityFilesChecked", unit="Count", value=full.files)
    metrics.add_metric(name="FixityBytesChecked", unit="Bytes", value=full.bytes)
    logger.info("fixity checked", extra={"files": full.files, "bytes": full.bytes, "counts": full.counts})
    if full.problems:
        message_id = publish(sns(), get_settings().operations_topic_arn, full)
        logger.warning("fixity problems reported", extra={"message_id": message_id, "report": full.report_uri})
    return fitted(full)
