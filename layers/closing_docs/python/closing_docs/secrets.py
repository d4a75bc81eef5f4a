"""The Market Api-Keys, read from Secrets Manager through Powertools Parameters (cached).

The secret holds either one bare token (the business is then called BUSINESS_NAME), or a JSON object
mapping business name to token, one per business the deployment archives::

    {"main": "ACMA:...", "client-2": "ACMA:..."}
"""

from __future__ import annotations

import json
import re

from aws_lambda_powertools.utilities import parameters

from .config import Settings
from .errors import ConfigurationError

PLACEHOLDER = "put-the-market-api-key-here"  # what template.yaml creates the secret with
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _problem(settings: Settings, what: str) -> ConfigurationError:
    return ConfigurationError(f"secret {settings.api_key_secret!r} {what} (README: 'Put the token in')")


def api_keys(settings: Settings) -> dict[str, str]:
    """Business name -> token, in the secret's order."""
    try:
        value = parameters.get_secret(settings.api_key_secret, max_age=settings.secret_max_age_seconds)
    except parameters.exceptions.GetParameterError:
        raise ConfigurationError(
            f"cannot read secret {settings.api_key_secret!r}; create it and put the Market Api-Key in it "
            "(README: 'Put the token in')"
        ) from None
    text = str(value).strip()  # get_secret returns the SecretString as str
    if not text.startswith("{"):
        if not text or text == PLACEHOLDER:
            raise _problem(settings, "holds no token yet; put the Market Api-Key in it")
        return {settings.business: text}
    try:
        tokens = json.loads(text)
    except ValueError:
        raise _problem(settings, "is neither a bare token nor a JSON object of business name to token") from None
    if not isinstance(tokens, dict) or not tokens:
        raise _problem(settings, "must map at least one business name to its token")
    keys: dict[str, str] = {}
    for name, token in tokens.items():
        if not _NAME.match(name):
            raise _problem(settings, f"has a business name {name!r} that is not 1-64 of A-Z a-z 0-9 . _ -")
        if not isinstance(token, str) or not token.strip() or token.strip() == PLACEHOLDER:
            raise _problem(settings, f"holds no token for business {name!r}")
        keys[name] = token.strip()
    return keys


def api_key(settings: Settings, business: str) -> str:
    """The token for ``business``."""
    keys = api_keys(settings)
    if business not in keys:
        raise _problem(settings, f"has no token for business {business!r} (it has: {', '.join(keys)})")
    return keys[business]
