"""ActivePlatform: the closing documents of a reseller's accounts, read by the ERP's document key (GUID).

``GET {base}/api/v3/resellers/{reseller_id}/accounts/{account_id}/external_invoices?filter[key]={GUID}`` with
``X-Api-Token`` and JSON:API media types. The API has no list: the keys come from the start input
(``documentKeys``) or, for the monthly run, from a JSON object the ERP (or a person) writes into the archive bucket::

    closing-documents/<YYYY-MM>/<ACTIVEPLATFORM_NAME>/activeplatform/document-keys.json
    {"documentKeys": [{"key": "0493e78a-e8ef-11e9-81b4-2a2ae2dbcce4", "resellerId": 1, "accountId": 11}]}

One unit per key. The decoded ``file`` (a base64 data URI) is archived under the month its ``start_date`` names,
with the document's key, name, type, amount, currency and period in the manifest. An unknown key is FAILED naming
it (the other keys go on); a month without keys says so (NO_DOCUMENTS, not a failure).

Settings (template parameters): ``ACTIVEPLATFORM_API_URL`` (the installation's URL; empty: off),
``ACTIVEPLATFORM_SECRET`` (a secret holding the manager's API token), ``ACTIVEPLATFORM_NAME`` (default
``activeplatform``).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from closing_docs.adapters.http import send
from closing_docs.domain.errors import DocumentNotFound, InvalidInput, SourceBadRequest
from closing_docs.domain.months import Month
from closing_docs.domain.texts import say
from closing_docs.domain.unit import Unit, month_folder
from closing_docs.kinds import Planning
from closing_docs.kinds.sources import Fetched, FetchedFile, Fetching, SourceKind, data_uri, env, secret

NAME = "activeplatform"
SYSTEM = "ActivePlatform"
KEYS_FILE = "document-keys.json"
NO_KEYS = "no-keys"
JSON_API = "application/vnd.api+json"
EXTENSIONS = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
}
ADVICE = {  # what to do, by HTTP status (texts.py)
    401: "advice.activeplatform.401",
    403: "advice.activeplatform.403",
    404: "advice.activeplatform.404",
}
_KEY = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_SCOPE = re.compile(r"^r(\d+)-a(\d+)-([A-Za-z0-9-]{1,64})$")
INPUTS = {
    "documentKeys": 'a non-empty list of unique {"key": "<GUID>", "resellerId": <id>, "accountId": <id>} '
    "(the ERP's closing-document keys)"
}


def enabled() -> bool:
    return bool(env("ACTIVEPLATFORM_API_URL"))


def _name() -> str:
    return env("ACTIVEPLATFORM_NAME", NAME)


def keys_file(prefix: str, month: Month | str) -> str:
    return f"{month_folder(prefix, month, _name())}/{NAME}/{KEYS_FILE}"


def _keys(given: Any, field: str) -> list[tuple[int, int, str]]:
    problem = f"{field}: must be {INPUTS['documentKeys']}"
    if not isinstance(given, list) or not given:
        raise InvalidInput(f"{problem}; got {given!r}")
    found: list[tuple[int, int, str]] = []
    for item in given:
        if not isinstance(item, dict) or set(item) != {"key", "resellerId", "accountId"}:
            raise InvalidInput(f"{problem}; got {item!r}")
        key, reseller, account = item["key"], item["resellerId"], item["accountId"]
        if not (isinstance(key, str) and _KEY.match(key)):
            raise InvalidInput(f"{problem}; key {key!r} is not a GUID")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in (reseller, account)):
            raise InvalidInput(f"{problem}; resellerId and accountId must be positive integers in {item!r}")
        found.append((reseller, account, key))
    if len({key for *_, key in found}) != len(found):
        raise InvalidInput(f"{problem}; a key is listed twice")
    return found


def _unit(month: Month, scope: str) -> Unit:
    return Unit(business=_name(), kind=NAME, scope=scope, month=month)


def plan(planning: Planning) -> list[Unit]:
    units: list[Unit] = []
    for month in planning.months:
        if "documentKeys" in planning.inputs:
            keys = _keys(planning.inputs["documentKeys"], "documentKeys")
        else:
            where = keys_file(planning.prefix, month)
            body = planning.read(where)
            try:
                keys = _keys(json.loads(body)["documentKeys"], where) if body else []
            except (ValueError, KeyError, TypeError):
                raise InvalidInput(f'{where}: must be a JSON object {{"documentKeys": [...]}}') from None
        units += [_unit(month, f"r{r}-a{a}-{key}") for r, a, key in keys] or [_unit(month, NO_KEYS)]
    return units


def _document(answer: dict[str, Any], key: str) -> dict[str, Any]:
    data = answer.get("data")
    if isinstance(data, list):
        data = data[0] if len(data) == 1 else None
    if not isinstance(data, dict) or not isinstance(data.get("attributes"), dict):
        raise DocumentNotFound(say("ap.no_data", key=key))
    attributes: dict[str, Any] = data["attributes"]
    attributes["id"] = data.get("id")
    return attributes


def fetch(context: Fetching) -> Fetched:
    unit = context.unit
    if unit.scope == NO_KEYS:
        where = keys_file(env("ARCHIVE_PREFIX", "closing-documents"), unit.month)
        return Fetched(no_documents=say("ap.no_keys", month=unit.month, where=where))
    match = _SCOPE.match(unit.scope or "")
    if match is None:
        raise SourceBadRequest(say("ap.not_a_unit", title=KIND.title(unit)))
    reseller, account, key = match.groups()
    token = secret(env("ACTIVEPLATFORM_SECRET"), SYSTEM)
    token = token.get("token") if isinstance(token, dict) else token
    base = env("ACTIVEPLATFORM_API_URL").rstrip("/")
    url = f"{base}/api/v3/resellers/{reseller}/accounts/{account}/external_invoices?filter[key]={quote(key)}"
    headers = {"X-Api-Token": str(token), "Content-Type": JSON_API, "Accept": JSON_API}
    response = send(
        SYSTEM,
        "GET",
        url,
        what=say("ap.what", key=key),
        advice=ADVICE,
        advice_values={"key": key, "reseller": reseller, "account": account},
        errors={404: DocumentNotFound},
        headers=headers,
    )
    try:
        document = _document(response.json(), key)
        mime, body = data_uri(str(document["file"]))
    except (ValueError, KeyError) as exc:
        raise SourceBadRequest(say("ap.unreadable", key=key, problem=exc)) from None
    if mime not in EXTENSIONS:
        raise SourceBadRequest(say("ap.file_type", key=key, mime=mime))
    try:
        period = Month.parse(str(document.get("start_date", ""))[:7])
    except ValueError:
        period = unit.month
    amount = document.get("amount") or {}
    details = {
        "id": document.get("id"),
        "key": key,
        "resellerId": int(reseller),
        "accountId": int(account),
        "name": document.get("name"),
        "type": document.get("type"),
        "amountTotal": amount.get("total"),
        "currency": amount.get("currency"),
        "startDate": document.get("start_date"),
        "endDate": document.get("end_date"),
        "mimeType": mime,
        "api": base,
    }
    said = f"{document.get('name')} ({document.get('type')}), {amount.get('total')} {amount.get('currency')}"
    return Fetched(files=[FetchedFile(EXTENSIONS[mime], body, mime)], details=details, month=period, message=said)


KIND = SourceKind(
    name=NAME,
    label="ActivePlatform closing document",
    label_ru="Закрывающий документ ActivePlatform",
    enabled=enabled,
    inputs=INPUTS,
    units=plan,
    call=fetch,
)
