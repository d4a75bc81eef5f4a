"""The causes of FAILED notices speak the users' language: what our code says (what happened, what to do) is Russian
by default and English with NoticeLanguage=en, while what the remote system said, HTTP codes, API paths, field names
and the error names (the ASL's) stay as they are."""

import json
import string
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from closing_docs import kinds
from closing_docs.adapters import market
from closing_docs.adapters.market import MarketClient
from closing_docs.domain import texts
from closing_docs.domain.errors import (
    ConfigurationError,
    DocumentNotFound,
    DownloadFailed,
    DownloadRefused,
    InvoiceOutcomeUnknown,
    InvoiceRefused,
    MarketApiError,
    MarketBadRequest,
    MarketForbidden,
    MarketRateLimited,
    MarketUnauthorized,
    MarketUnavailable,
    ReportNotFound,
    SourceRefused,
    SourceUnavailable,
)
from closing_docs.domain.models import Job
from closing_docs.domain.months import Month
from closing_docs.domain.unit import Unit
from closing_docs.kinds import get
from closing_docs.kinds.sources import Fetching, activeplatform, direct_invoice, ofd, secret
from local.emulator import Fault, MarketEmulator

ZIP = get("closure-documents")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_text_is_in_both_languages_with_the_same_values():
    assert set(texts.TEXTS["ru"]) == set(texts.TEXTS["en"])
    for key, english in texts.TEXTS["en"].items():
        assert fields(texts.TEXTS["ru"][key]) == fields(english), key


def test_russian_is_the_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NOTICE_LANGUAGE", raising=False)
    assert texts.language() == "ru"
    monkeypatch.setenv("NOTICE_LANGUAGE", "en")
    assert texts.language() == "en"  # read at each call, never cached


# --- the Market client ---------------------------------------------------------------------------------------


@pytest.fixture
def client(emulator: MarketEmulator, token: str, monkeypatch: pytest.MonkeyPatch) -> MarketClient:
    monkeypatch.setattr(market, "pause", lambda seconds: None)  # a 420 waits for Yandex's reset otherwise
    return MarketClient(emulator.base_url, token, download_allowed=(emulator.base_url,))


def generate(client: MarketClient) -> None:
    client.generate(ZIP.path, ZIP.body(Job(business="main", campaign_id=1001, month="2025-12")))


REFUSALS = [
    (
        401,
        "Api-Key token invalid",
        MarketUnauthorized,
        "Яндекс не принял Api-Key: токена нет, он неверный или отозван. Положите действующий токен в секрет стека",
        "the Api-Key was rejected: the token is missing, invalid or revoked. Put a valid token into the stack's secret",
    ),
    (
        403,
        "Access denied",
        MarketForbidden,
        "доступ запрещён: токену нужен доступ finance-and-accounting (или all-methods)",
        "access denied: the token needs the scope finance-and-accounting (or all-methods)",
    ),
    (
        420,
        "Active reports limit exceeded",
        MarketRateLimited,
        "исчерпан лимит запросов к API Яндекс Маркета",
        "a Market API limit was reached",
    ),
    (400, "monthOfYear: invalid", MarketBadRequest, "Яндекс отклонил запрос", "Yandex rejected the request"),
]


@pytest.mark.parametrize(("status", "words", "error", "russian", "english"), REFUSALS)
def test_a_market_refusal_says_what_to_do_in_russian(
    client, emulator, monkeypatch, status, words, error: type[MarketApiError], russian, english
):
    monkeypatch.setenv("NOTICE_LANGUAGE", "ru")
    emulator.inject("generate", Fault(status=status, message=words))
    with pytest.raises(error) as caught:
        generate(client)
    said = str(caught.value)
    assert said.startswith(f"generate closure-documents: API Яндекс Маркета ответил HTTP {status} (")
    assert words in said, "Yandex's own words stay as Yandex said them"
    assert russian in said and english not in said
    assert caught.value.status == status


@pytest.mark.parametrize(("status", "words", "error", "russian", "english"), REFUSALS)
def test_a_market_refusal_says_what_to_do_in_english(
    client, emulator, monkeypatch, status, words, error: type[MarketApiError], russian, english
):
    monkeypatch.setenv("NOTICE_LANGUAGE", "en")
    emulator.inject("generate", Fault(status=status, message=words))
    with pytest.raises(error) as caught:
        generate(client)
    said = str(caught.value)
    assert said.startswith(f"generate closure-documents: Market API answered HTTP {status} (")
    assert words in said and english in said and russian not in said


@pytest.mark.parametrize(
    ("language", "prefix", "advice"),
    [
        (
            "ru",
            "reports/info: API Яндекс Маркета ответил HTTP 404 (",
            "; такого отчёта нет или срок его хранения истёк",
        ),
        ("en", "reports/info: Market API answered HTTP 404 (", "; the report is unknown or expired"),
    ],
)
def test_an_unknown_report(client, emulator, monkeypatch, language, prefix, advice):
    monkeypatch.setenv("NOTICE_LANGUAGE", language)
    emulator.inject("info", Fault(status=404, message="Report not found."))
    with pytest.raises(ReportNotFound) as caught:
        client.report_info("lost-report")
    said = str(caught.value)
    assert said.startswith(prefix) and said.endswith(advice) and "Report not found.)" in said


def test_no_answer_and_downloads_in_russian(client, emulator, monkeypatch):
    monkeypatch.setenv("NOTICE_LANGUAGE", "ru")
    emulator.inject("generate", Fault(kind="reset"))
    with pytest.raises(MarketUnavailable, match=r"^generate closure-documents: API Яндекс Маркета не ответил \("):
        generate(client)

    refusing = MarketClient(emulator.base_url, "t", download_allowed=("https://*.yandex.net",))
    with pytest.raises(DownloadRefused) as refused:
        refusing.download("https://evil.example/files/x.zip", 1024)
    assert str(refused.value).startswith("отчёт не скачан с https://evil.example: этого адреса нет среди разрешённых")
    assert "добавьте адрес в параметр стека DownloadAllowedOrigins" in str(refused.value)

    emulator.generation_seconds = 0
    report = client.generate(ZIP.path, ZIP.body(Job(business="main", campaign_id=1001, month="2025-12"))).report
    link = client.report_info(report.report_id).file
    assert link
    emulator.inject("download", Fault(kind="expired"))
    with pytest.raises(DownloadFailed, match=r": ответ HTTP 403 \(ссылка устарела или отклонена\)$") as expired:
        client.download(link, 1024)
    assert "signature" not in str(expired.value).lower()


# --- the sources -------------------------------------------------------------------------------------------


class Table:
    """The lock table, as much of it as Direct's fetch uses."""

    def __init__(self, item: dict[str, Any] | None = None) -> None:
        self.item = item

    def get_item(self, **_: Any) -> dict[str, Any]:
        return {"Item": self.item} if self.item else {}

    def update_item(self, **_: Any) -> dict[str, Any]:
        return {"Attributes": {"n": 1_700_000_001}}

    def put_item(self, **_: Any) -> None: ...

    def delete_item(self, **_: Any) -> None: ...


def answer(status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code, response.reason = status, "Reason"
    response._content = json.dumps(body, ensure_ascii=False).encode()
    return response


def fetching(kind: str, scope: str, table: Table | None = None) -> Fetching:
    unit = Unit(business="b", kind=kind, scope=scope, month=Month.parse("2025-12"))
    return Fetching(unit=unit, execution_id="e", force=False, table=table or Table())


@pytest.fixture
def systems(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("OFD_API_URL", "https://ofd.example")
    monkeypatch.setenv("ACTIVEPLATFORM_API_URL", "https://ap.example")
    monkeypatch.setenv("DIRECT_API_URL", "https://direct.example")
    monkeypatch.setattr(ofd, "secret", lambda name, what: {"authKey": "a", "ofdKey": "o"})
    monkeypatch.setattr(activeplatform, "secret", lambda name, what: "token")
    monkeypatch.setattr(direct_invoice, "secret", lambda name, what: {"token": "t", "masterToken": "m", "login": "l"})
    yield monkeypatch


def refuse(monkeypatch: pytest.MonkeyPatch, status: int, body: Any) -> None:
    monkeypatch.setattr(requests, "request", lambda *args, **kwargs: answer(status, body))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "сводка продаж: Яндекс ОФД ответил HTTP 401 (Ключ не найден); Яндекс ОФД не принял X-Yandex-Key (authKey в "
            "секрете ОФД): положите в секрет действующий ключ",
        ),
        (
            "en",
            "sales aggregation: Yandex OFD answered HTTP 401 (Ключ не найден); the X-Yandex-Key (authKey in the OFD "
            "secret) was rejected: put a valid key into the secret",
        ),
    ],
)
def test_ofd_refusing_the_key(systems, language, expected):
    systems.setenv("NOTICE_LANGUAGE", language)
    refuse(systems, 401, {"message": "Ключ не найден"})
    with pytest.raises(SourceRefused) as caught:
        ofd.fetch(fetching(ofd.NAME, "all"))
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "закрывающий документ 0493e78a: ActivePlatform ответил HTTP 404 (Not found); в ActivePlatform нет "
            "закрывающего документа с ключом 0493e78a (реселлер 1, аккаунт 11); проверьте ключ в ERP",
        ),
        (
            "en",
            "closing document 0493e78a: ActivePlatform answered HTTP 404 (Not found); ActivePlatform has no closing "
            "document with key 0493e78a (reseller 1, account 11); check the key in the ERP",
        ),
    ],
)
def test_activeplatform_without_the_document(systems, language, expected):
    systems.setenv("NOTICE_LANGUAGE", language)
    refuse(systems, 404, {"errors": [{"title": "Not found"}]})
    with pytest.raises(DocumentNotFound) as caught:
        activeplatform.fetch(fetching(activeplatform.NAME, "r1-a11-0493e78a"))
    assert str(caught.value) == expected


def test_activeplatform_refusals_in_russian(systems):
    systems.setenv("NOTICE_LANGUAGE", "ru")
    refuse(systems, 401, {"errors": [{"detail": "Invalid token"}]})
    with pytest.raises(SourceRefused, match=r"\(Invalid token\); API-токен менеджера не принят: положите"):
        activeplatform.fetch(fetching(activeplatform.NAME, "r1-a11-0493e78a"))
    refuse(systems, 200, {"data": []})
    with pytest.raises(DocumentNotFound, match=r"^В ActivePlatform нет закрывающего документа с ключом 0493e78a"):
        activeplatform.fetch(fetching(activeplatform.NAME, "r1-a11-0493e78a"))


def test_direct_s_lost_answer_in_both_languages(systems):
    sent = Table({"status": "SENT", "sentAt": "2025-11-25T09:00:00+00:00", "operationNum": 1_700_000_000})
    scope = "RUB_3193279-50000.00"
    systems.setenv("NOTICE_LANGUAGE", "ru")
    with pytest.raises(InvoiceOutcomeUnknown) as russian:
        direct_invoice.fetch(fetching(direct_invoice.NAME, scope, sent))
    assert str(russian.value).startswith(
        f"запрос счёта за 2025-12 ({scope}) был отправлен 2025-11-25T09:00:00+00:00 с номером операции 1700000000, и "
        "ни один ответ не сказал, создан ли счёт, поэтому он мог быть создан"
    )
    assert "Проверьте в Яндекс Балансе (balance.yandex.ru, логин l)" in str(russian.value)
    assert "invoiceNumber" in str(russian.value) and "force=true" in str(russian.value)

    systems.setenv("NOTICE_LANGUAGE", "en")
    with pytest.raises(InvoiceOutcomeUnknown) as english:
        direct_invoice.fetch(fetching(direct_invoice.NAME, scope, sent))
    assert "so an invoice may exist; no request for this month is sent until a person resolves it" in str(english.value)
    assert "Check Yandex Balance (balance.yandex.ru, login l)" in str(english.value)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "CreateInvoice: Яндекс Директ отказал: ошибка 56: Превышен лимит (Лимит платежей)"),
        ("en", "CreateInvoice: Yandex Direct refused with error 56: Превышен лимит (Лимит платежей)"),
    ],
)
def test_direct_s_refusal_keeps_its_words(systems, language, expected):
    systems.setenv("NOTICE_LANGUAGE", language)
    refused = answer(200, {"error_code": 56, "error_str": "Превышен лимит", "error_detail": "Лимит платежей"})
    systems.setattr(requests, "post", lambda *args, **kwargs: refused)
    with pytest.raises(InvoiceRefused) as caught:
        direct_invoice.fetch(fetching(direct_invoice.NAME, "RUB_3193279-50000.00"))
    assert str(caught.value) == expected


def test_direct_unreachable_in_russian(systems):
    systems.setenv("NOTICE_LANGUAGE", "ru")

    def never_connects(*args: Any, **kwargs: Any) -> requests.Response:
        raise requests.ConnectTimeout()

    systems.setattr(requests, "post", never_connects)
    with pytest.raises(SourceUnavailable) as caught:
        direct_invoice.fetch(fetching(direct_invoice.NAME, "RUB_3193279-50000.00"))
    assert (
        str(caught.value) == "CreateInvoice: Яндекс Директ недоступен, соединение не установлено; ничего не отправлено"
    )


def test_a_source_without_its_secret_in_russian(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NOTICE_LANGUAGE", "ru")
    with pytest.raises(ConfigurationError, match=r"^Яндекс ОФД: секрет не задан"):
        secret("", texts.say("system.ofd"))


# --- the archive, the Api-Key secret and the Archive step ----------------------------------------------------


def test_a_download_that_is_not_a_zip(monkeypatch: pytest.MonkeyPatch):
    from closing_docs.adapters.zips import list_documents
    from closing_docs.domain.errors import InvalidArchive

    body = b"<!DOCTYPE html><html>Service unavailable</html>"
    monkeypatch.setenv("NOTICE_LANGUAGE", "ru")
    with pytest.raises(InvalidArchive, match=r"^скачанный файл не читается как ZIP-архив \(.+\)$"):
        list_documents(body, len(body))
    monkeypatch.setenv("NOTICE_LANGUAGE", "en")
    with pytest.raises(InvalidArchive, match=r"^the download is not a readable ZIP \(.+\)$"):
        list_documents(body, len(body))


@pytest.mark.parametrize(
    ("language", "empty", "not_zip", "broke_off"),
    [
        (
            "ru",
            "скачанный файл пуст",
            "скачанный файл не ZIP-архив (он не начинается с сигнатуры ZIP)",
            "скачивание оборвалось: получено 6 байт из 100",
        ),
        (
            "en",
            "the download is empty",
            "the download is not a ZIP archive (it does not start with a ZIP signature)",
            "the download broke off: got 6 of 100 bytes",
        ),
    ],
)
def test_a_download_verified_on_the_way(monkeypatch, language, empty, not_zip, broke_off):
    from closing_docs.adapters.zips import VerifyingReader
    from closing_docs.domain.errors import InvalidArchive

    monkeypatch.setenv("NOTICE_LANGUAGE", language)
    with pytest.raises(InvalidArchive) as caught:
        VerifyingReader(iter([b"", b""]), None).read()
    assert str(caught.value) == empty
    with pytest.raises(InvalidArchive) as caught:
        VerifyingReader(iter([b"<html>"]), None).read()
    assert str(caught.value) == not_zip
    with pytest.raises(DownloadFailed) as broken:
        VerifyingReader(iter([b"PK\x03\x04", b"\x14\x00"]), 100).read()
    assert str(broken.value) == broke_off


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "closing-documents/2025-12/main/pack.json изменился, пока его обновляли; шаг будет повторён"),
        ("en", "closing-documents/2025-12/main/pack.json changed while it was being updated; the step is retried"),
    ],
)
def test_a_lost_update(monkeypatch, language, expected):
    from types import SimpleNamespace

    from botocore.exceptions import ClientError

    from closing_docs.adapters.archive import ArchiveStore
    from closing_docs.domain.errors import PackConflict

    class S3:
        exceptions = SimpleNamespace(ClientError=ClientError)

        def put_object(self, **_: Any) -> None:
            raise ClientError({"Error": {"Code": "PreconditionFailed"}}, "PutObject")

    monkeypatch.setenv("NOTICE_LANGUAGE", language)
    with pytest.raises(PackConflict) as caught:
        ArchiveStore(S3(), "bucket").replace_json("closing-documents/2025-12/main/pack.json", {}, "etag")
    assert str(caught.value) == expected


def api_keys(monkeypatch: pytest.MonkeyPatch, value: str, business: str | None = None) -> dict[str, str] | str:
    """The secrets parser on a secret holding ``value`` (Secrets Manager never called)."""
    from aws_lambda_powertools.utilities import parameters

    from closing_docs.adapters import secrets
    from closing_docs.domain.config import Settings

    monkeypatch.setattr(parameters, "get_secret", lambda name, **_: value)
    settings = Settings.model_validate(
        {"MARKET_API_KEY_SECRET": "market-api-key", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t", "BUSINESS_NAME": "main"}
    )
    return secrets.api_keys(settings) if business is None else secrets.api_key(settings, business)


@pytest.mark.parametrize(
    ("language", "value", "business", "expected"),
    [
        (
            "ru",
            '{"main": "ACMA:1"',
            None,
            'секрет \'market-api-key\' содержит не токен и не JSON-объект вида {"имя бизнеса": "токен"} (README: '
            "'Put the token in')",
        ),
        (
            "en",
            '{"main": "ACMA:1"',
            None,
            "secret 'market-api-key' is neither a bare token nor a JSON object of business name to token (README: "
            "'Put the token in')",
        ),
        (
            "ru",
            "put-the-market-api-key-here",
            None,
            "секрет 'market-api-key' пока не содержит токена; положите в него Api-Key Яндекс Маркета (README: "
            "'Put the token in')",
        ),
        (
            "ru",
            '{"main": "ACMA:1", "client-2": "ACMA:2"}',
            "client-3",
            "секрет 'market-api-key' не содержит токена для бизнеса 'client-3' (в нём есть: main, client-2) (README: "
            "'Put the token in')",
        ),
        (
            "en",
            '{"main": "ACMA:1", "client-2": "ACMA:2"}',
            "client-3",
            "secret 'market-api-key' has no token for business 'client-3' (it has: main, client-2) (README: "
            "'Put the token in')",
        ),
        (
            "ru",
            '{"main shop": "ACMA:1"}',
            None,
            "секрет 'market-api-key' содержит имя бизнеса 'main shop', а имя должно состоять из 1-64 символов "
            "A-Z a-z 0-9 . _ - и начинаться с буквы или цифры (имя бизнеса становится папкой архива) "
            "(README: 'Put the token in')",
        ),
    ],
)
def test_a_malformed_api_key_secret(monkeypatch, language, value, business, expected):
    monkeypatch.setenv("NOTICE_LANGUAGE", language)
    with pytest.raises(ConfigurationError) as caught:
        api_keys(monkeypatch, value, business)
    assert str(caught.value) == expected
    assert "ACMA" not in str(caught.value), "never a token in a message"


def test_an_api_key_secret_that_cannot_be_read(monkeypatch: pytest.MonkeyPatch):
    from aws_lambda_powertools.utilities import parameters

    from closing_docs.adapters import secrets
    from closing_docs.domain.config import Settings

    def unreadable(name: str, **_: Any) -> str:
        raise parameters.exceptions.GetParameterError("AccessDenied")

    monkeypatch.setattr(parameters, "get_secret", unreadable)
    settings = Settings.model_validate({"MARKET_API_KEY_SECRET": "k", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t"})
    monkeypatch.setenv("NOTICE_LANGUAGE", "ru")
    with pytest.raises(ConfigurationError) as russian:
        secrets.api_keys(settings)
    assert str(russian.value) == (
        "не удаётся прочитать секрет 'k'; создайте его и положите в него Api-Key Яндекс Маркета (README: "
        "'Put the token in')"
    )
    monkeypatch.setenv("NOTICE_LANGUAGE", "en")
    with pytest.raises(ConfigurationError) as english:
        secrets.api_keys(settings)
    assert str(english.value) == (
        "cannot read secret 'k'; create it and put the Market Api-Key in it (README: 'Put the token in')"
    )


@pytest.mark.parametrize(
    ("language", "no_file", "no_report"),
    [
        (
            "ru",
            "reports/info: у отчёта r-1 статус FAILED, а файла нет",
            ": нет отчёта, который нужно сохранить в архив",
        ),
        ("en", "reports/info: report r-1 is FAILED without a file", ": no report to archive"),
    ],
)
def test_a_report_without_a_file_to_archive(monkeypatch, language, no_file, no_report):
    from datetime import UTC, datetime

    from closing_docs.domain.config import Settings
    from closing_docs.domain.errors import MarketProtocolError
    from closing_docs.domain.market_api import ReportInfo
    from closing_docs.domain.models import ReportRef
    from closing_docs.kinds.work import Work

    class Client:
        def report_info(self, report_id: str) -> ReportInfo:
            return ReportInfo(status="FAILED", generation_requested_at=datetime(2026, 1, 5, tzinfo=UTC))

    settings = Settings.model_validate({"MARKET_API_KEY_SECRET": "k", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t"})
    monkeypatch.setenv("NOTICE_LANGUAGE", language)
    job = Job(business="main", campaign_id=1001, month="2025-12")

    def work(report: ReportRef | None) -> Work:
        def nothing() -> None:  # no store, pacing or table is reached
            return None

        return Work(job, "e", settings, nothing, lambda business: Client(), nothing, nothing, report)  # type: ignore

    with pytest.raises(MarketProtocolError) as caught:
        kinds.of(job).fetch(work(ReportRef(report_id="r-1", wait_seconds=0)))
    assert str(caught.value) == no_file
    with pytest.raises(MarketProtocolError) as caught:
        kinds.of(job).fetch(work(None))
    assert str(caught.value) == kinds.title(job) + no_report
