"""Issue 3: a property test over the start input. Every invalid input is an InvalidInput naming the
offending field; valid ones pass. (Resolving makes no Market call at all: it has no client.)"""

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from closing_docs.domain.config import Settings
from closing_docs.domain.errors import InvalidInput
from closing_docs.plan.planning import resolve_plan
from closing_docs.plan.request import ALLOWED

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CONFIG = Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t"})
TYPES = ["INCOME", "OUTCOME", "MARKETING"]

# from months.MIN_MONTH on
valid_month = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2017, 2025), st.integers(1, 12))
valid = st.fixed_dictionaries(
    {},
    optional={
        "month": valid_month,
        "campaignIds": st.lists(st.integers(1, 2**62), min_size=1, max_size=20, unique=True),
        "contractTypes": st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True),
        "force": st.booleans(),
    },
)
# null means "the default" for every field, so it is not among the invalid values
junk = st.one_of(st.booleans(), st.integers(), st.floats(), st.text(max_size=8), st.lists(st.integers(), max_size=3))
bad_values = {
    "month": st.one_of(
        junk.filter(lambda v: not isinstance(v, str) or v == "" or "-" not in v),
        st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2000, 2030), st.integers(13, 99)),
        st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2026, 2099), st.integers(11, 12)),  # not over yet
    ),
    "campaignIds": st.one_of(
        junk.filter(lambda v: not (isinstance(v, list) and v and all(type(i) is int and i > 0 for i in v))),
        st.lists(st.integers(max_value=0), min_size=1, max_size=3),
        st.integers(1, 100).map(lambda i: [i, i]),
        st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=2),
    ),
    "contractTypes": st.one_of(
        junk.filter(lambda v: v is not None),
        st.lists(st.text(max_size=6).filter(lambda t: t not in TYPES), min_size=1, max_size=2),
        st.sampled_from(TYPES).map(lambda t: [t, t]),
    ),
    "force": junk.filter(lambda v: not isinstance(v, bool)),
}


@settings(max_examples=500, deadline=None)
@given(valid)
def test_valid_inputs_pass(raw):
    plan = resolve_plan({"campaignIds": [1], **raw}, NOW, CONFIG)
    assert plan.job_count and all(str(job.month) < "2026-11" for b in plan.businesses for job in b.jobs)


@settings(max_examples=500, deadline=None)
@given(valid, st.sampled_from(sorted(bad_values)).flatmap(lambda f: st.tuples(st.just(f), bad_values[f])))
def test_invalid_inputs_name_the_field(raw, bad):
    field, value = bad
    try:
        resolve_plan({"campaignIds": [1], **raw, field: value}, NOW, CONFIG)
    except InvalidInput as error:
        assert f"{field}:" in str(error) and ALLOWED[field].split(" (")[0][:20] in str(error)
    else:
        raise AssertionError(f"accepted {field}={value!r}")


@settings(max_examples=500, deadline=None)
@given(valid, st.text(min_size=1, max_size=12).filter(lambda k: k not in ALLOWED))
def test_unknown_fields_are_named(raw, field):
    try:
        resolve_plan({**raw, field: 1}, NOW, CONFIG)
    except InvalidInput as error:
        assert repr(field) in str(error)
    else:
        raise AssertionError(f"accepted unknown field {field!r}")
