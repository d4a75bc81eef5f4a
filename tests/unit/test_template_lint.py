"""The pinned cfn-lint (requirements-lint.txt, 1.53.0, in .venv-lint) catches a bad !Ref / !GetAtt in template.yaml.

Newer cfn-lint releases were seen to pass such SAM templates silently (1.58.0 says nothing about a !GetAtt of a
missing resource in a function's policy), so each test breaks a copy of the template in one place and expects the
pinned cfn-lint to fail with the rule that names the problem; the unbroken template must pass. The copies are JSON
dumps of the parsed template, so a break never depends on the template's exact text. `make setup` installs
.venv-lint; these tests fail (they do not skip) without it.
"""

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local.template import ROOT, TEMPLATE, load_template

CFN_LINT = ROOT / ".venv-lint" / "bin" / "cfn-lint"
PINNED = "1.53.0"  # keep in step with requirements-lint.txt
REGION = "eu-central-1"  # the deployment region (samconfig.toml); `make cfnlint` lints for it too


@pytest.fixture(scope="module")
def cfn_lint() -> Path:
    if not CFN_LINT.is_file():
        pytest.fail(f"{CFN_LINT.relative_to(ROOT)} is missing: run `make setup` (installs requirements-lint.txt)")
    version = subprocess.run([CFN_LINT, "--version"], capture_output=True, text=True, check=True, timeout=60)
    assert version.stdout.split() == ["cfn-lint", PINNED], (
        f"{CFN_LINT.relative_to(ROOT)} is {version.stdout.strip()!r}, not the pinned {PINNED}: run `make setup`"
    )
    return CFN_LINT


def run_cfn_lint(cfn_lint: Path, *templates: Path) -> tuple[int, dict[str, set[str]], str]:
    """Exit status, the rule ids reported for each template (by file name), and the output."""
    result = subprocess.run(
        [cfn_lint, "--regions", REGION, "--format", "parseable", "--", *(t.name for t in templates)],
        cwd=templates[0].parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rules: dict[str, set[str]] = {t.name: set() for t in templates}
    for line in result.stdout.splitlines():  # file:line:column:end line:end column:RULE:message
        parts = line.split(":", 6)
        if len(parts) == 7 and parts[0] in rules:
            rules[parts[0]].add(parts[5])
    return result.returncode, rules, result.stdout + result.stderr


def functions(template: dict[str, Any]) -> list[str]:
    found = [name for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    assert found, "template.yaml declares no AWS::Serverless::Function"
    return found


def state_machine(template: dict[str, Any]) -> dict[str, Any]:
    """The main state machine (the template also declares the fixity one)."""
    machine = template["Resources"]["ClosingDocumentsStateMachine"]
    assert machine["Type"] == "AWS::Serverless::StateMachine"
    return machine["Properties"]


def ref_missing_resource_in_globals(t: dict[str, Any]) -> None:
    t["Globals"]["Function"]["Environment"]["Variables"]["BROKEN"] = {"Ref": "NoSuchResource"}


def ref_missing_parameter_in_state_machine(t: dict[str, Any]) -> None:
    state_machine(t).setdefault("DefinitionSubstitutions", {})["Broken"] = {"Ref": "NoSuchParameter"}


def getatt_missing_resource_in_function_policy(t: dict[str, Any]) -> None:
    statement = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": {"Fn::GetAtt": ["NoSuchTable", "Arn"]}}
    properties = t["Resources"][functions(t)[0]]["Properties"]
    properties.pop("Role", None)  # SAM ignores Policies beside an explicit Role: let it build the role from them
    properties.setdefault("Policies", []).append({"Statement": [statement]})


def getatt_missing_resource_in_state_machine(t: dict[str, Any]) -> None:
    state_machine(t).setdefault("DefinitionSubstitutions", {})["Broken"] = {"Fn::GetAtt": ["NoSuchFunction", "Arn"]}


def getatt_missing_attribute(t: dict[str, Any]) -> None:
    broken = {"Fn::GetAtt": [functions(t)[0], "NoSuchAttribute"]}
    state_machine(t).setdefault("DefinitionSubstitutions", {})["Broken"] = broken


BREAKS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (ref_missing_resource_in_globals, "E1020"),
    (ref_missing_parameter_in_state_machine, "E1020"),
    (getatt_missing_resource_in_function_policy, "E1010"),
    (getatt_missing_resource_in_state_machine, "E1010"),
    (getatt_missing_attribute, "E1010"),
]


@pytest.fixture(scope="module")
def broken_copies(cfn_lint: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, set[str]], str]:
    """One cfn-lint run over the unbroken JSON copy (the control) and one copy per break: rule ids by break."""
    directory = tmp_path_factory.mktemp("broken")
    copies = []
    for name, break_it in [("control", None)] + [(b.__name__, b) for b, _ in BREAKS]:
        template = load_template()
        if break_it:
            break_it(template)
        copies.append(directory / f"{name}.json")
        copies[-1].write_text(json.dumps(template, indent=1))
    _, rules, output = run_cfn_lint(cfn_lint, *copies)
    return {name.removesuffix(".json"): found for name, found in rules.items()}, output


def test_the_template_passes(cfn_lint: Path, tmp_path: Path):
    copy = tmp_path / "template.yaml"
    copy.write_text(TEMPLATE.read_text())
    status, rules, output = run_cfn_lint(cfn_lint, copy)
    assert status == 0 and rules == {"template.yaml": set()}, output


def test_its_json_copy_passes_too(broken_copies: tuple[dict[str, set[str]], str]):
    """The control for the broken copies: the JSON dump itself adds no finding."""
    rules, output = broken_copies
    assert rules["control"] == set(), output


@pytest.mark.parametrize(("break_it", "rule"), BREAKS, ids=[b.__name__ for b, _ in BREAKS])
def test_a_bad_ref_or_getatt_fails_with_its_rule(
    broken_copies: tuple[dict[str, set[str]], str], break_it: Callable[[dict[str, Any]], None], rule: str
):
    rules, output = broken_copies
    found = rules[break_it.__name__]
    assert found, f"cfn-lint {PINNED} passed the template broken by {break_it.__name__}:\n{output}"
    assert found == {rule}, output


def test_every_checkov_skip_names_a_check_and_says_why():
    """`make checkov` passes only with skips written on the resource; each must say why the check does not apply."""
    for name, resource in load_template()["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip.get("id", "")), f"{name}: skip without a check id: {skip}"
            assert len(skip.get("comment", "").split()) >= 5, f"{name}: skip {skip['id']} gives no reason"
