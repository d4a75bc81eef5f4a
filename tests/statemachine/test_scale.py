"""Issue 13: one execution takes a backfill over the old cap (500 campaign-months). ResolveInput writes the plan to
the work bucket, the Distributed Maps read it (ItemReader) and write each unit's outcome there (ResultWriter), and
SummarizeRun reads those back: no state carries the units or their outcomes."""

import json

from local.emulator import MarketEmulator
from tests.conftest import TIME_SCALE, aws_maker

SHOPS = list(range(3001, 3043))  # 42 shops x 12 months = 504 campaign-months, over the old cap of 500
MONTHS = {"from": "2025-01", "to": "2025-12"}


def payloads(events):
    for event in events:
        for details in event.values():
            if isinstance(details, dict):
                for field in ("input", "output"):
                    if isinstance(details.get(field), str):
                        yield len(json.dumps(json.loads(details[field]), ensure_ascii=False).encode())


def test_a_backfill_over_the_old_cap_runs_in_one_execution_through_s3():
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=2.0, estimate_ms=2000)
    emulator.add_business(name="main", token="token-main", business_id=9, campaign_ids=SHOPS)
    with emulator, aws_maker(emulator, json.dumps({"main": "token-main"}), NoticeMode="SUMMARY") as make:
        aws = make()
        execution = aws.run({"months": MONTHS}, timeout=900)

        assert execution.status == "SUCCEEDED", execution.cause
        zips = [key for key in aws.objects() if key.endswith(".zip")]
        assert len(zips) == len(SHOPS) * 12 == 504
        (summary,) = [n.body() for n in aws.notifications()]
        assert summary["counts"]["ARCHIVED"] == 504 and summary["status"] == "OK"
        assert emulator.count_420() == 0

        # the plan and the results are in the work bucket; the states carry only where they are
        s3 = aws.client("s3")
        bucket = aws.environment["WORK_BUCKET"]
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        (units_key,) = [key for key in keys if "/units/" in key]
        assert len(json.loads(s3.get_object(Bucket=bucket, Key=units_key)["Body"].read())) == 504
        manifests = [key for key in keys if key.endswith("manifest.json")]
        assert len(manifests) == 2  # the run's (one output per business) and the business's (one per unit)
        parent = aws.history(execution.arn)
        assert max(payloads(parent)) < 8_000, "no state of the run grows with its units"
        assert len(parent) < 40
