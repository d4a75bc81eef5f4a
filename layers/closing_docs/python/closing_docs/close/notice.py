"""The close's SNS notice, one per business-month, from its ``checks.json``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from closing_docs.close.texts import say
from closing_docs.close.values import rate_label

FINDINGS_PER_CHECK = 5
"""The largest findings named per FAIL/WARN check; the rest are in checks.json and close.xlsx."""


@dataclass(frozen=True)
class CloseNotice:
    subject: str  # SNS subjects: at most 100 characters
    message: str
    status: str  # the ``status`` message attribute: CLOSE_OK, CLOSE_WARN, CLOSE_FAIL

    @property
    def attributes(self) -> dict[str, dict[str, str]]:
        return {"status": {"DataType": "String", "StringValue": self.status}}


def _label(rate: str, language: str) -> str:
    return "no VAT" if rate == "NO_VAT" and language == "en" else rate_label(rate)


def _money(value: str | None, language: str) -> str:
    return say(language, "notice.unknown") if value is None else value


def render(checks: dict[str, Any], language: str = "ru") -> CloseNotice:
    status = checks["status"]
    status_word = say(language, f"status.{status}")
    fields = {"month": checks["month"], "business": checks["business"], "business_id": checks["businessId"]}
    lines = [say(language, "notice.head", status=status_word, **fields)]
    figures = checks["figures"]
    net = figures.get("netSales")
    if net is None:
        lines.append(say(language, "notice.net_sales", total=_money(None, language), rates="-"))
    else:
        total = sum((Decimal(v) for v in net.values()), Decimal(0))
        rates = ", ".join(f"{_label(k, language)}: {v}" for k, v in net.items() if Decimal(v))
        lines.append(say(language, "notice.net_sales", total=f"{total:.2f}", rates=rates or "-"))
    lines.append(say(language, "notice.services", amount=_money(figures.get("services"), language)))
    lines.append(say(language, "notice.paid_out", amount=_money(figures.get("paidOut"), language)))
    flagged = [c for c in checks["checks"] if c["status"] in ("FAIL", "WARN")]
    for check in sorted(flagged, key=lambda c: c["status"] != "FAIL"):
        lines.append(
            say(language, "notice.check", status_word=check["status"], id=check["id"], message=check["message"])
        )
        for finding in check["findings"][:FINDINGS_PER_CHECK]:
            campaign = finding.get("campaignId")
            lines.append(
                say(
                    language,
                    "notice.finding",
                    report=finding["report"],
                    sheet=finding["sheet"] or "",
                    key=finding["key"],
                    campaign=say(language, "notice.campaign", campaign=campaign) if campaign is not None else "",
                    expected=finding["expected"] or "-",
                    actual=finding["actual"] or "-",
                    residual=finding["residual"] or "-",
                )
            )
        if len(check["findings"]) > FINDINGS_PER_CHECK:
            lines.append(say(language, "notice.more", n=len(check["findings"]) - FINDINGS_PER_CHECK))
    skipped = [c for c in checks["checks"] if c["status"] == "SKIPPED"]
    lines += [say(language, "notice.check", status_word="SKIPPED", id=c["id"], message=c["message"]) for c in skipped]
    if not flagged:
        lines.append(say(language, "notice.ok"))
    lines.append(say(language, "notice.files"))
    subject = say(language, "notice.subject", status=status_word, **fields)
    return CloseNotice(subject=subject[:100], message="\n".join(lines), status=f"CLOSE_{status}")
