"""events/functions/: one sample event per function, of the shape the state machine (or its schedule) sends it, so
that `sam local invoke <Function> -e events/functions/<Function>.json` starts from a real event."""

import functools
import importlib
import json
import operator
import re

import pytest
from pydantic import TypeAdapter

from local.template import ROOT, load_template

FUNCTIONS = {
    name: resource["Properties"]
    for name, resource in load_template()["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}
SAMPLES = ROOT / "events" / "functions"


def test_every_function_has_a_sample_and_every_sample_a_function():
    assert {p.stem for p in SAMPLES.glob("*.json")} == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_sample_parses_as_the_event_its_handler_takes(name: str):
    """The model its handler parses with (``lambda_step(Model, step)`` in its app.py) accepts the sample as it
    stands. The model is read from app.py's imports, not by importing the handler: that would build Powertools'
    singletons without the function's environment."""
    source = (ROOT / FUNCTIONS[name]["CodeUri"] / "app.py").read_text()
    names = re.search(r"lambda_step\(([\w| ]+),", source).group(1).split("|")  # a model, or a union of them
    models = []
    for model_name in (n.strip() for n in names):
        module_name = re.search(rf"^from ([\w.]+) import .*\b{model_name}\b", source, re.MULTILINE).group(1)
        models.append(getattr(importlib.import_module(module_name), model_name))
    event = json.loads((SAMPLES / f"{name}.json").read_text())
    parsed = TypeAdapter(functools.reduce(operator.or_, models)).validate_python(event)
    assert parsed.model_dump(by_alias=True, exclude_unset=True), name
