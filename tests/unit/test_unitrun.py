"""The unit's run (domain/unitrun.py): what comes next, decided in Python; the state machine's one Choice reads it."""

from closing_docs.domain.models import ContractType, Job, Limits
from closing_docs.domain.unitrun import UnitRun
from closing_docs.views import notices

LIMITS = Limits(max_status_checks=5, max_regenerations=2, recheck_days=3, recheck_seconds=86400)
JOB = Job(business="main", kind="closure-documents", campaign_id=1001, month="2025-12")


def run(**fields) -> UnitRun:
    return UnitRun(job=JOB, execution_id="exec", limits=LIMITS, **fields)


def failed(job: Job):
    return notices.announce(notices.failed(job, "ReportFailed", "no", "r-1", "exec"))


def test_a_new_run_has_every_daily_retry_and_its_first_generation():
    fresh = run()
    assert (fresh.generation, fresh.regenerations, fresh.days_left, fresh.next) == (1, 0, 3, None)


def test_a_new_report_is_the_next_generation_with_no_report_and_no_error():
    again = run(generation=2, attempt=4, error={"Error": "ReportNotFound"}).anew(days_left=2)
    assert (again.next, again.generation, again.attempt, again.report, again.error, again.days_left) == (
        "GENERATE", 3, 0, None, None, 2,
    )  # fmt: skip


def test_an_ended_unit_is_announced_unless_notices_are_summary_only():
    notice = failed(JOB)
    assert run().ended(notice).next == "ANNOUNCE"
    summary_only = UnitRun(job=JOB, limits=LIMITS.model_copy(update={"notice_mode": "SUMMARY"}))
    ended = summary_only.ended(notice)
    assert ended.next == "RELEASE" and ended.outcome == notice.outcome and ended.then is None


def test_a_split_unit_runs_its_parts_whole_and_ends_with_the_first_failed_one():
    parts = [JOB.model_copy(update={"contract_types": [t]}) for t in ContractType]  # as CheckStatus splits it
    split = run(generation=2).split(parts)
    assert split.next == "RELEASE" and split.notice is None
    first = split.then
    assert first.job == parts[0] and first.parts == parts[1:] and first.generation == 3 and first.days_left == 3
    second = first.ended(failed(parts[0])).then  # the first part fails
    assert second.job == parts[1] and second.failed.contract_types == parts[0].contract_types
    third = second.ended(notices.announce(notices.no_documents(parts[1], "r-2", "exec"))).then
    last = third.ended(notices.announce(notices.no_documents(parts[2], "r-3", "exec")))
    assert last.then is None and last.outcome == second.failed  # the unit ends with the first failed part
