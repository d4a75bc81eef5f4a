"""The Market Api-Key, read from Secrets Manager through Powertools Parameters (cached)."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities import parameters

from .config import Settings
from .errors import ConfigurationError

PLACEHOLDER = "put-the-market-api-key-here"  # what template.yaml creates the secret with


def api_key(settings: Settings) -> str:
    """The token for ``settings.business``.

    The secret holds either the bare token, or a JSON object mapping business name to token.
    """
    try:
        value = parameters.get_secret(settings.api_key_secret, max_age=settings.secret_max_age_seconds)
    except parameters.exceptions.GetParameterError:
        raise ConfigurationError(
            f"cannot read secret {settings.api_key_secret!r}; create it and put the Market Api-Key in it "
            "(README: 'Put the token in')"
        ) from None
    text = str(value).strip()  # get_secret returns the SecretString as str
    if text.startswith("{"):
        try:
            text = str(json.loads(text)[settings.business]).strip()
        except (ValueError, KeyError, TypeError):
            raise ConfigurationError(
                f"secret {settings.api_key_secret!r} is a JSON object without a token for business "
                f"{settings.business!r}"
            ) from None
    if not text or text == PLACEHOLDER:
        raise ConfigurationError(
            f"secret {settings.api_key_secret!r} holds no token yet; put the Market Api-Key in it "
            "(README: 'Put the token in')"
        )
    return text
