"""What people read, in the users' language: Russian by default, English with NoticeLanguage=en.

Notice subjects and messages, the run summary, the operations messages and the FAILED advice come from here (the
state machine's own texts from template.yaml's ``Texts`` mapping). Machine fields (JSON keys, status values, error
names) never change with the language.
"""

from __future__ import annotations

import os
from typing import Literal

Language = Literal["ru", "en"]

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "scope.campaign": "магазин {id}",
        "scope.business": "бизнес {id}",
        "title": "{label} {month}, {business}, {scope}",
        "archived": "{title}: сохранено в архив: {contents}, {size} байт, SHA-256 {sha256}.",
        "contents.documents": "документов: {count}",
        "contents.sheets": "листов: {count} ({names})",
        "no_documents": "{title}: у Яндекс Маркета нет данных (статус отчёта NO_DATA). Закрывающие документы за месяц "
        "появляются в первые рабочие дни следующего месяца; если в месяце были продажи, проверьте, что указан "
        "идентификатор кампании, и запустите месяц позже ещё раз.",
        "already_archived": "{title}: уже в архиве ({date}); ничего не запрашивалось. Чтобы сохранить заново, "
        "запустите с force=true.",
        "in_progress": "{title}: его сейчас архивирует другой запуск ({owner}); этот ничего не запрашивал. "
        "Уведомление придёт от того запуска.",
        "not_published": "{title}: Яндекс Маркет его не опубликовал: отчёт был {status} во всех {days} ежедневных "
        "попытках. Проверьте идентификатор кампании; запустите месяц вручную, когда документы появятся в кабинете.",
        "nothing": "{title}: архивировать нечего. {why}",
        "summary.ok": "Документы за {months}: все отчёты учтены.",
        "summary.failed": "Документы за {months}: с ошибкой: {failed}; подробности ниже и в руководстве (README, "
        "Runbook).",
        "summary.failed_line": "ОШИБКА {business} {kind} {scope} {month}: {error}: {cause}",
        "summary.left_out": "пропущен {business}, кампания {campaign}: Яндекс сообщает, что API {availability}",
        "count": "{status}: {n}",
        "status.ARCHIVED": "в архиве",
        "status.ALREADY_ARCHIVED": "уже в архиве",
        "status.IN_PROGRESS": "архивируется другим запуском",
        "status.NO_DOCUMENTS": "нет документов",
        "status.FAILED": "ошибка",
        "audit.missing": "Проверка архива за {months}: нет в {where}: {missing} из {total}; запустите эти месяцы "
        "снова (README, Runbook).",
        "audit.ok": "Проверка архива за {months}: все {total} в {where} (в архиве: {archived}, без документов: "
        "{no_documents}).",
        "audit.missing_line": "НЕТ {title} ({types}): {reason}",
        "audit.no_documents_line": "нет документов (Яндекс: NO_DATA): {title} ({types})",
        "audit.left_out": "пропущен {business}, кампания {campaign}: Яндекс сообщает, что API {availability}",
        "audit.subject": "Проверка архива {months}: отсутствует {missing}",
        "all_contracts": "все договоры",
        "audit.unreadable_manifest": "{key}: манифест не читается",
        "audit.vanished": "{key} исчез, пока шла проверка",
        "audit.file_gone": "{key} ссылается на {file}, которого нет в архиве",
        "audit.size": "в {file} {size} байт, а в манифесте {expected}",
        "audit.unreadable_marker": "{key}: отметка об отсутствии документов не читается",
        "audit.failed_daily": "{key}: Яндекс отвечал {status} при каждой ежедневной попытке, а это не доказывает, что "
        "документов за месяц нет",
        "audit.uncovered": "нет ни в архиве, ни среди отметок об отсутствии документов: {types}",
        "hint.TOO_LARGE": "отчёт слишком велик (TOO_LARGE) даже для одного типа договора; обратитесь в поддержку "
        "Яндекс Маркета",
        "hint.RESOURCE_NOT_FOUND": "часть данных не найдена (RESOURCE_NOT_FOUND); проверьте, что {campaign} — это "
        "идентификатор кампании из GET /v2/campaigns, а не бизнеса и не магазина в кабинете",
        "hint.other": "проверьте идентификатор кампании и месяц; документы за месяц появляются в первые рабочие дни "
        "следующего месяца",
        "report_failed": "Яндекс не смог сформировать отчёт {report} ({title}): {hint}",
        "ap.no_keys": "Ключей закрывающих документов за {month} нет: в запуске их не передали, и в {where} их нет. "
        "ERP записывает их туда (README, ActivePlatform).",
        "direct.invoice": "счёт на {total} {currency}: {url} (открывается после входа в Яндекс под логином {login}; "
        "оплатите его оттуда)",
        "ofd.read": "прочитано дней из Яндекс ОФД: {days}, приход {income}",
        "fixity.problems": "Проверка целостности архива: проблем: {problems} ({found}) среди файлов: {files} "
        "(манифестов: {manifests}) в {where}. Что делать: README, Fixity.",
        "fixity.ok": "Проверка целостности архива: все файлы ({files}, манифестов: {manifests}) в {where} совпадают "
        "со своими манифестами (прочитано байт: {size}).",
        "fixity.restore_intact": "архивная версия {version} на месте и цела: сделайте её снова текущей "
        "(README, Fixity)",
        "fixity.restore_gone": "архивная версия {version} тоже пропала или повреждена: найдите целую копию "
        "(list-object-versions, резервная копия) или заархивируйте месяц заново с force (README, Fixity)",
        "fixity.restore_unknown": "манифест не называет версию: найдите среди list-object-versions версию с SHA-256 "
        "манифеста и скопируйте её обратно, или заархивируйте месяц заново с force (README, Fixity)",
        "fixity.unreadable": "{key} не читается ({code}): проверьте ключ KMS архива и права функции",
        "fixity.missing": "{key}, который называет {manifest}, отсутствует в архиве (удалён); ",
        "fixity.mismatch": "у {key} SHA-256 {actual} и {size} байт, а в {manifest}: {expected} и {expected_size} "
        "байт{version}; ",
        "fixity.mismatch_version": "; его текущая версия {current} не архивная",
        "fixity.replaced_version": "его текущая версия {current} не {expected}, которую называет {manifest}",
        "fixity.written_after": "он записан {at} UTC, позже {manifest} ({archived} UTC)",
        "fixity.replaced": "у {key} по-прежнему SHA-256 и размер из манифеста, но {why}: его кто-то записал заново; "
        "выясните кто (журнал доступа к бакету) и сохраните архивную версию",
        "fixity.subject_ok": "Проверка целостности архива: OK, файлов: {files}",
        "fixity.subject_problems": "Проверка целостности архива: ПРОБЛЕМ: {problems}, файлов: {files}",
    },
    "en": {
        "scope.campaign": "campaign {id}",
        "scope.business": "business id {id}",
        "title": "{label} {month} for {business} {scope}",
        "archived": "{title}: archived, {contents}, {size} bytes, SHA-256 {sha256}.",
        "contents.documents": "{count} documents",
        "contents.sheets": "{count} sheets ({names})",
        "no_documents": "{title}: Yandex Market has no data for it (report status NO_DATA). Closing documents for a "
        "month appear during the first working days of the next month; if the month had sales, check that the id is "
        "a campaign id and start it again later.",
        "already_archived": "{title}: archived already ({date}); nothing was requested. Start with force=true to "
        "archive it again.",
        "in_progress": "{title}: being archived by another execution ({owner}); this one requested nothing. Its "
        "notice follows from that execution.",
        "not_published": "{title}: Yandex Market has not published it: the report was {status} on each of {days} "
        "daily attempts. Check that the id is a campaign id; start the month by hand once the documents appear in "
        "the seller cabinet.",
        "nothing": "{title}: nothing to archive. {why}",
        "summary.ok": "Monthly documents {months}: every report is accounted for.",
        "summary.failed": "Monthly documents {months}: {failed} report(s) FAILED; see below and the runbook.",
        "summary.failed_line": "FAILED {business} {kind} {scope} {month}: {error}: {cause}",
        "summary.left_out": "left out {business} campaign {campaign}: Yandex reports its API as {availability}",
        "count": "{n} {status}",
        "status.ARCHIVED": "archived",
        "status.ALREADY_ARCHIVED": "already archived",
        "status.IN_PROGRESS": "in progress",
        "status.NO_DOCUMENTS": "no documents",
        "status.FAILED": "failed",
        "audit.missing": "Monthly documents archive audit {months}: {missing} of {total} report(s) MISSING from "
        "{where}; start those months again (README, Runbook).",
        "audit.ok": "Monthly documents archive audit {months}: all {total} report(s) are in {where} ({archived} "
        "archived, {no_documents} without documents).",
        "audit.missing_line": "MISSING {title} ({types}): {reason}",
        "audit.no_documents_line": "no documents (Yandex: NO_DATA): {title} ({types})",
        "audit.left_out": "left out {business} campaign {campaign}: Yandex reports its API as {availability}",
        "audit.subject": "Monthly documents archive audit {months}: {missing} report(s) MISSING",
        "all_contracts": "all contracts",
        "audit.unreadable_manifest": "{key} is not a readable manifest",
        "audit.vanished": "{key} disappeared while the audit read it",
        "audit.file_gone": "{key} names {file}, which is not in the archive",
        "audit.size": "{file} holds {size} bytes where its manifest says {expected}",
        "audit.unreadable_marker": "{key} is not a readable no-documents marker",
        "audit.failed_daily": "{key}: Yandex answered {status} on every daily attempt, which does not show that the "
        "month has no documents",
        "audit.uncovered": "neither archived nor marked as without documents: {types}",
        "hint.TOO_LARGE": "the report is too large (TOO_LARGE) even for one contract type; ask Yandex Market support",
        "hint.RESOURCE_NOT_FOUND": "part of the data was not found (RESOURCE_NOT_FOUND); check that {campaign} is a "
        "campaign id from GET /v2/campaigns, not a business id or the store id shown in the seller cabinet",
        "hint.other": "check the campaign id and the month; documents for a month appear during the first working "
        "days of the next month",
        "report_failed": "Yandex could not generate report {report} ({title}): {hint}",
        "ap.no_keys": "No closing-document keys for {month}: none were given, and {where} lists none. The ERP writes "
        "them there (README, ActivePlatform).",
        "direct.invoice": "invoice for {total} {currency}: {url} (it opens after logging in to Yandex as {login}; pay "
        "it from there)",
        "ofd.read": "{days} days read from Yandex OFD, income {income}",
        "fixity.problems": "Archive fixity check: {problems} problem(s) ({found}) among {files} file(s) of "
        "{manifests} manifest(s) in {where}. What to do: README, Fixity.",
        "fixity.ok": "Archive fixity check: all {files} file(s) of {manifests} manifest(s) in {where} match their "
        "manifests ({size} bytes read).",
        "fixity.restore_intact": "the archived version {version} is still there, intact: make it the current one "
        "again (README, Fixity)",
        "fixity.restore_gone": "the archived version {version} is gone or damaged too: look for an intact copy "
        "(list-object-versions, a backup) or archive the month again with force (README, Fixity)",
        "fixity.restore_unknown": "the manifest names no version: find the version with the manifest's SHA-256 among "
        "list-object-versions and copy it back, or archive the month again with force (README, Fixity)",
        "fixity.unreadable": "{key} could not be read ({code}): check the archive's KMS key and the function's access",
        "fixity.missing": "{key}, which {manifest} names, is not in the archive (deleted); ",
        "fixity.mismatch": "{key} has SHA-256 {actual} and {size} bytes where {manifest} says {expected} and "
        "{expected_size} bytes{version}; ",
        "fixity.mismatch_version": "; its current version {current} is not the archived one",
        "fixity.replaced_version": "its current version {current} is not {expected}, the one {manifest} names",
        "fixity.written_after": "it was written at {at} UTC, after {manifest} ({archived} UTC)",
        "fixity.replaced": "{key} still has the manifest's SHA-256 and size, but {why}: someone wrote it again; find "
        "out who (the bucket's access log) and keep the archived version",
        "fixity.subject_ok": "Archive fixity check: OK, {files} file(s)",
        "fixity.subject_problems": "Archive fixity check: {problems} PROBLEM(S) in {files} file(s)",
    },
}


def language() -> Language:
    """The deployment's language (NOTICE_LANGUAGE; Russian by default)."""
    return "en" if os.environ.get("NOTICE_LANGUAGE", "ru").strip() == "en" else "ru"


def say(text: str, /, **values: object) -> str:
    """The text called ``text`` in the deployment's language, with ``values`` put in."""
    return TEXTS[language()][text].format(**values)
