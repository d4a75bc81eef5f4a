"""The Market Api-Keys, read from Secrets Manager through Powertools Parameters (cached).

The secret holds either one bare token (the business is then called BUSINESS_NAME), or a JSON object
mapping business name to token, one per business the deployment archives::

    {"main": "ACMA:...", "client-2": "ACMA:..."}
"""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities import parameters

from closing_docs.domain.config import Settings
from closing_docs.domain.errors import ConfigurationError
from closing_docs.domain.texts import excerpt, say
from closing_docs.domain.unit import is_business_name

PLACEHOLDER = "put-the-market-api-key-here"  # what template.yaml creates the secret with


def _problem(settings: Settings, what: str, /, **values: object) -> ConfigurationError:
    """The secret's problem ``what`` (a text of texts.py, with ``values``), in the deployment's language."""
    return ConfigurationError(say("error.secret.problem", name=settings.api_key_secret, what=say(what, **values)))


def read_secret(name: str, max_age: int, unreadable: str = "error.secret.unreadable", **values: object) -> str:
    """Secret ``name``'s text, stripped, through Powertools Parameters (cached ``max_age`` seconds); one it cannot
    read raises ConfigurationError with the text ``unreadable`` of texts.py (given ``name`` and ``values``)."""
    try:
        return str(parameters.get_secret(name, max_age=max_age)).strip()  # the SecretString
    except parameters.exceptions.GetParameterError:
        raise ConfigurationError(say(unreadable, name=name, **values)) from None


def api_keys(settings: Settings) -> dict[str, str]:
    """Business name -> token, in the secret's order."""
    text = read_secret(settings.api_key_secret, settings.secret_max_age_seconds)
    if not text.startswith("{"):
        if not text or text == PLACEHOLDER:
            raise _problem(settings, "error.secret.empty")
        return {settings.business: text}
    try:
        tokens = json.loads(text)
    except ValueError:
        raise _problem(settings, "error.secret.not_json") from None
    if not isinstance(tokens, dict) or not tokens:
        raise _problem(settings, "error.secret.no_business")
    keys: dict[str, str] = {}
    for name, token in tokens.items():
        if not is_business_name(name):  # a name is a folder of the archive: never ".", ".." or "/" (unit.py)
            raise _problem(settings, "error.secret.unsafe_name", name=excerpt(name))
        if not isinstance(token, str) or not token.strip() or token.strip() == PLACEHOLDER:
            raise _problem(settings, "error.secret.no_token", name=name)
        keys[name] = token.strip()
    return keys


def api_key(settings: Settings, business: str) -> str:
    """The token for ``business``."""
    keys = api_keys(settings)
    if business not in keys:
        raise _problem(settings, "error.secret.missing_business", business=business, names=", ".join(keys))
    return keys[business]
