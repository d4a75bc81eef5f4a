"""Reading template.yaml the way CloudFormation would, for the parts the local harness needs.

The harness builds its resources from the template itself (functions, environment, state machine
substitutions), so it cannot drift from what is deployed. Only the intrinsic functions the template
uses are resolved; anything else raises, so a new intrinsic cannot be silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
_NO_VALUE = object()  # what !Ref AWS::NoValue resolves to before its key or item is dropped

_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Sub": "Fn::Sub",
    "!Join": "Fn::Join",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
}


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that turns CloudFormation short tags into their long form."""


def _construct(tag: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "!GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {_TAGS[tag]: value}

    return construct


for _tag in _TAGS:
    _CfnLoader.add_constructor(_tag, _construct(_tag))


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass


@dataclass
class Resolver:
    """Resolves intrinsic functions with given parameters and the physical ids of created resources."""

    template: dict[str, Any]
    parameters: dict[str, str]
    pseudo: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> Ref value
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)  # (logical id, attribute) -> value

    @classmethod
    def for_template(cls, template: dict[str, Any], overrides: dict[str, str], pseudo: dict[str, str]) -> Resolver:
        declared = template.get("Parameters", {})
        unknown = set(overrides) - set(declared)
        if unknown:
            raise KeyError(f"template.yaml declares no parameter(s) {sorted(unknown)}")
        values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        values.update({k: str(v) for k, v in overrides.items()})
        return cls(template, values, pseudo)

    def _lookup(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        if "." in name:
            logical, attribute = name.split(".", 1)
            if (logical, attribute) in self.attrs:
                return self.attrs[(logical, attribute)]
        raise KeyError(f"cannot resolve {name!r}: not a parameter, nor a resource the harness created")

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        """The value with its intrinsic functions resolved; ``!Ref AWS::NoValue`` removes its key or list item
        (and is None on its own)."""
        resolved = self._resolve(value)
        return None if resolved is _NO_VALUE else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [r for r in (self._resolve(v) for v in value) if r is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) != 1 or not next(iter(value)).startswith(("Ref", "Fn::", "Condition")):
            return {k: r for k, r in ((k, self._resolve(v)) for k, v in value.items()) if r is not _NO_VALUE}
        ((function, argument),) = value.items()
        if function == "Ref":
            return _NO_VALUE if argument == "AWS::NoValue" else self._lookup(argument)
        if function == "Fn::GetAtt":
            return self._lookup(".".join(argument))
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            names = {k: str(self._resolve(v)) for k, v in variables.items()}
            return re.sub(r"\$\{([^}!]+)\}", lambda m: names.get(m.group(1)) or self._lookup(m.group(1)), text)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(i) for i in self._resolve(items))
        if function == "Fn::Equals":
            left, right = self._resolve(argument)
            return left == right
        if function == "Fn::Not":
            return not self._resolve(argument[0])
        if function == "Fn::And":
            return all(self._resolve(condition) for condition in argument)
        if function == "Fn::Or":
            return any(self._resolve(condition) for condition in argument)
        if function == "Fn::If":
            name, if_true, if_false = argument
            return self._resolve(if_true if self.condition(name) else if_false)
        if function == "Fn::FindInMap":
            mapping, top, second = (self._resolve(part) for part in argument)
            return self.template["Mappings"][mapping][top][second]
        if function == "Condition":
            return self.condition(argument)
        raise NotImplementedError(f"the local harness does not resolve {function}")
