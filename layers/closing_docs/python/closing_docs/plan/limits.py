"""What one execution can finish (README, Limits of one execution), checked on the planned units before anything
starts.

No state grows with the units of work: the plan and the outcomes stay in S3 (runwork.py: the Distributed Maps'
ItemReader and ResultWriter). What remains is time, and the run summary. The start input's own bounds (months, campaign
ids, bytes) are checked with the rest of it (request.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from closing_docs.domain.errors import InvalidInput
from closing_docs.domain.run import BusinessPlan

EXECUTION_DAYS = 365  # Step Functions' maximum for a standard execution, and the state machine's TimeoutSeconds
BUSINESS_DAYS = 300  # what one business's reports may take of it: the rest is for daily rechecks and retries
REPORT_SECONDS = 600  # one report end to end, pessimistically: Yandex's generation, the polls, a kind's paced window
MAX_BUSINESSES = 100  # the run summary has an entry per business: it must fit an SNS message and a state (256 KB)


def check_limits(businesses: Sequence[BusinessPlan], months: int, at_once: int) -> None:
    """Refuse, before anything starts, a run one execution cannot finish, saying what to split: within a business
    reports generate ``at_once`` at a time (Yandex's active-reports limit), so a business's reports must fit
    BUSINESS_DAYS at REPORT_SECONDS each; and the run summary names each business (MAX_BUSINESSES)."""
    if len(businesses) > MAX_BUSINESSES:
        raise InvalidInput(
            f"businesses: this run covers {len(businesses)} businesses and sources, at most {MAX_BUSINESSES} fit one "
            "execution (its summary names each); start several executions, each with businesses: [names]"
        )
    most = BUSINESS_DAYS * 86_400 * at_once // REPORT_SECONDS  # reports of one business in one execution
    for plan in businesses:
        if len(plan.jobs) <= most:
            continue
        per_month = -(-len(plan.jobs) // months)
        days = len(plan.jobs) * REPORT_SECONDS / at_once / 86_400
        split = (
            f"start several executions of at most {most // per_month} months each for it"
            if most >= per_month
            else "give fewer campaignIds or reports per execution"
        )
        raise InvalidInput(
            f"months: business {plan.business} would generate {len(plan.jobs):,} reports ({per_month:,} a month), "
            f"about {days:,.0f} days at {at_once} at a time and {REPORT_SECONDS // 60} minutes a report; an execution "
            f"lasts at most {EXECUTION_DAYS} days, of which {BUSINESS_DAYS} for one business's reports (at most "
            f"{most:,}): {split}"
        )
