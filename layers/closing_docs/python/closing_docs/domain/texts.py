"""What people read, in the users' language: Russian by default, English with NoticeLanguage=en.

Notice subjects and messages, the run summary, the operations messages and the causes of FAILED notices our code
writes (what happened and what to do; a system's own words stay as it said them) come from here: the state machine
has no texts of its own. Machine fields (JSON keys, status values, error names) never change with the language.
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
        "failed": "{title}: архивирование не удалось ({error}): {cause}",
        "run_failed": "Запуск архива документов не удался ({error}): {cause}",
        "run_failed_subject": "Запуск архива документов не удался: {error}",
        "summary_subject": "Итоги архива документов: {status}",
        "report_timeout": "Отчёт {report} так и не был готов после {checks} проверок статуса; возможно, Яндекс "
        "перегружен. Запустите месяц позже ещё раз.",
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
        "summary.not_listed": "и ещё с ошибкой, не перечисленных здесь: {n}; все они в index.html и index.csv архива.",
        "summary.left_out": "пропущен {business}, кампания {campaign}: Яндекс сообщает, что API {availability}",
        "count": "{status}: {n}",
        "summary.nothing": "отчётов нет",
        "summary.unpublished": "уведомлений, которые не удалось опубликовать (SNS, KMS): {n}; отчёты учтены выше. "
        "Проверьте ключ и политику темы уведомлений (README, Runbook).",
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
        "system.ofd": "Яндекс ОФД",
        "system.direct": "Яндекс Директ",
        "error.no_message": "без текста ошибки",
        "error.market.answered": "{operation}: API Яндекс Маркета ответил HTTP {status} ({words})",
        "error.market.no_answer": "{operation}: API Яндекс Маркета не ответил ({problem})",
        "error.market.no_json": "{operation}: в ответе API Яндекс Маркета нет JSON с полем result",
        "error.market.unexpected": "{operation}: API Яндекс Маркета ответил не так, как описано в его документации",
        "error.market.pages": "campaigns: список кампаний длиннее {pages} страниц",
        "error.market.page_repeated": "campaigns: Яндекс Маркет вернул уже пройденный токен страницы {token}: список "
        "кампаний зациклился, чтение остановлено (это сбой API; запустите позже ещё раз)",
        "advice.market.400": "Яндекс отклонил запрос",
        "advice.market.401": "Яндекс не принял Api-Key: токена нет, он неверный или отозван. Положите действующий "
        "токен в секрет стека (README: 'Put the token in') и запустите месяц снова",
        "advice.market.403": "доступ запрещён: токену нужен доступ finance-and-accounting (или all-methods), а для "
        "кампании должен быть включён API (кабинет продавца: Настройки, API и модули)",
        "advice.market.404": "такого отчёта нет или срок его хранения истёк",
        "advice.market.420": "исчерпан лимит запросов к API Яндекс Маркета",
        "error.download.refused": "отчёт не скачан с {origin}: этого адреса нет среди разрешённых ({allowed}); если "
        "Яндекс перенёс свои файлы, добавьте адрес в параметр стека DownloadAllowedOrigins",
        "error.download.no_answer": "скачивание с {host} не удалось ({problem})",
        "error.download.answered": "скачивание с {host}: ответ HTTP {status} ({reason})",
        "error.download.expired": "ссылка устарела или отклонена",
        "error.download.other": "ошибка",
        "error.download.redirects": "скачивание с {host}: больше {redirects} перенаправлений",
        "error.download.broke_off": "скачивание с {host} оборвалось ({problem})",
        "error.source.no_answer": "{what}: {system} не ответил ({problem})",
        "error.source.answered": "{what}: {system} ответил HTTP {status} ({words})",
        "error.source.no_secret": "{system}: секрет не задан (его включают параметры шаблона)",
        "error.source.secret_unreadable": "{system}: не удаётся прочитать секрет {name!r}; создайте его (README)",
        "error.source.secret_json": "{system}: в секрете {name!r} неверный JSON",
        "error.data_uri": "это не data URI в base64",
        "error.data_uri_base64": "base64 в data URI повреждён",
        "advice.ofd.401": "Яндекс ОФД не принял X-Yandex-Key (authKey в секрете ОФД): положите в секрет действующий "
        "ключ",
        "advice.ofd.403": "X-OFD-Key (ofdKey в секрете ОФД) не принят или не даёт доступа к этим компаниям",
        "ofd.what": "сводка продаж",
        "ofd.secret": 'в секрете Яндекс ОФД должно быть {{"authKey": "...", "ofdKey": "..."}}',
        "ofd.no_total": "сводка продаж: Яндекс ОФД ответил без data/total",
        "ofd.stopped": "сводка продаж: Яндекс ОФД перестал отдавать интервалы, получено {read} из {total}",
        "ofd.page_repeated": "сводка продаж: на запрос со смещением {offset} Яндекс ОФД вернул уже прочитанный день "
        "{day}: страницы повторяются, чтение остановлено и ничего не сохранено (это сбой API; запустите позже ещё раз)",
        "ofd.bad_total": "сводка продаж: Яндекс ОФД назвал {total} интервалов (на первой странице: {first}), а в "
        "месяце {days} дней: ответ не сходится, ничего не сохранено (это сбой API; запустите позже ещё раз)",
        "advice.activeplatform.401": "API-токен менеджера не принят: положите действующий токен в секрет "
        "ActivePlatform",
        "advice.activeplatform.403": "у менеджера нет доступа к этому реселлеру или аккаунту",
        "advice.activeplatform.404": "в ActivePlatform нет закрывающего документа с ключом {key} (реселлер "
        "{reseller}, аккаунт {account}); проверьте ключ в ERP",
        "ap.what": "закрывающий документ {key}",
        "ap.no_data": "В ActivePlatform нет закрывающего документа с ключом {key} (в ответе нет data)",
        "ap.not_a_unit": "{title}: это не документ ActivePlatform",
        "ap.unreadable": "закрывающий документ {key}: файл из ActivePlatform не читается ({problem})",
        "ap.file_type": "закрывающий документ {key}: неожиданный тип файла {mime}",
        "direct.secret": 'в секрете Яндекс Директа должно быть {{"token": "...", "masterToken": "...", "login": '
        '"..."}}',
        "direct.not_a_set": "{scope}: это не набор платежей Директа",
        "direct.unknown_before": "запрос счёта за {month} ({scope}) был отправлен {sent_at} с номером операции "
        "{number}, и ни один ответ не сказал, создан ли счёт, поэтому он мог быть создан; новых запросов за этот месяц "
        "не будет, пока это не решит человек. Проверьте в Яндекс Балансе (balance.yandex.ru, логин {login}), нет ли "
        "счёта на эту сумму, созданного в это время: если есть, запустите с invoiceNumber=<его номер> (он будет "
        "записан, ничего не отправится); если нет, запустите с force=true",
        "direct.unknown": "запрос счёта за {month} ({scope}) отправлен {sent_at} с номером операции {number}, а ответ "
        "не говорит, создан ли счёт ({problem}), поэтому он мог быть создан; повторять запрос нельзя. Проверьте в "
        "Яндекс Балансе (balance.yandex.ru, логин {login}), нет ли счёта на эту сумму, созданного в это время: если "
        "есть, запустите с invoiceNumber=<его номер> (он будет записан, ничего не отправится); если нет, запустите с "
        "force=true",
        "direct.unreadable": "HTTP 200, но это не ответ CreateInvoice: {excerpt}",
        "direct.exists": "счёт за {month} уже есть (платежи {scope}: {what}; логин {login}); второй за месяц создаётся "
        "только с force=true",
        "direct.concurrent": "счёт за {month} прямо сейчас запрашивает другой запуск; этот ничего не отправил",
        "direct.resolved": "счёт на {total} {currency} № {number}, найденный в Яндекс Балансе (логин {login}), "
        "записан; запрос в Директ не отправлялся",
        "direct.no_connection": "CreateInvoice: {system} недоступен, соединение не установлено; ничего не отправлено",
        "direct.refused": "CreateInvoice: {system} отказал: {words}",
        "direct.refused_code": "ошибка {code}: {text}",
        "lock.owner_unknown": "этот отчёт занят запуском {owner}, а DescribeExecution не смог сказать, идёт ли он ещё "
        "({problem}); блокировка сохранена, пока это не выяснится",
        "error.archive.directory_too_large": "оглавление ZIP-архива (central directory) больше {limit} байт",
        "error.archive.unreadable": "скачанный файл не читается как ZIP-архив ({problem})",
        "error.archive.no_documents": "в скачанном ZIP-архиве нет ни одного документа",
        "error.archive.not_zip": "скачанный файл не ZIP-архив (он не начинается с сигнатуры ZIP)",
        "error.archive.empty": "скачанный файл пуст",
        "error.archive.broke_off": "скачивание оборвалось: получено {size} байт из {expected}",
        "error.archive.unverified": "загрузка в S3 завершилась раньше, чем скачанный файл был проверен",
        "error.archive.not_xlsx": "скачанный файл не читается как книга XLSX ({problem})",
        "error.archive.conflict": "{key} изменился, пока его обновляли; шаг будет повторён",
        "error.archive.no_report": "{title}: нет отчёта, который нужно сохранить в архив",
        "error.archive.no_file": "reports/info: у отчёта {report} статус {status}, а файла нет",
        "error.archive.member_damaged": "файл {member} в скачанном архиве повреждён: {problem}; в архив ничего не "
        "сохранено",
        "error.archive.crc": "его контрольная сумма CRC-32 {actual}, а в ZIP записана {expected}",
        "error.archive.size": "его размер {size} байт (сжатый {compressed}), а в ZIP записано {expected} "
        "({expected_compressed})",
        "error.archive.inflate": "его сжатые данные не распаковываются ({problem})",
        "error.archive.deflate_end": "его сжатые данные кончаются не там, где записано в ZIP",
        "error.archive.name": "его собственный заголовок называет его иначе: {header}",
        "error.archive.missing": "оглавление ZIP указывает на байт {at}, а файл там не начинается",
        "error.archive.cut": "скачанный файл кончается посреди него",
        "error.archive.no_descriptor": "за ним нет дескриптора данных с его CRC-32 и размером",
        "error.archive.encrypted": "он зашифрован, и его CRC-32 не проверить",
        "error.archive.method": "он сжат методом {method}, которым его CRC-32 не проверить",
        "error.archive.no_header": "на байте {at} нет заголовка файла ZIP",
        "error.archive.too_many_members": "в ZIP-архиве больше {limit} файлов",
        "error.secret.problem": "секрет {name!r} {what} (README: 'Put the token in')",
        "error.secret.unreadable": "не удаётся прочитать секрет {name!r}; создайте его и положите в него Api-Key "
        "Яндекс Маркета (README: 'Put the token in')",
        "error.secret.empty": "пока не содержит токена; положите в него Api-Key Яндекс Маркета",
        "error.secret.not_json": 'содержит не токен и не JSON-объект вида {{"имя бизнеса": "токен"}}',
        "error.secret.no_business": "должен содержать токен хотя бы для одного бизнеса",
        "error.secret.bad_name": "содержит имя бизнеса {name!r}, а имя должно состоять из 1-64 символов "
        "A-Z a-z 0-9 . _ -",
        "error.secret.unsafe_name": "содержит имя бизнеса {name}, а имя должно состоять из 1-64 символов "
        "A-Z a-z 0-9 . _ - и начинаться с буквы или цифры (имя бизнеса становится папкой архива)",
        "error.secret.no_token": "не содержит токена для бизнеса {name!r}",
        "error.secret.missing_business": "не содержит токена для бизнеса {business!r} (в нём есть: {names})",
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
        "failed": "{title}: archiving failed with {error}: {cause}",
        "run_failed": "The closing-documents run failed ({error}): {cause}",
        "run_failed_subject": "Closing documents run failed: {error}",
        "summary_subject": "Closing documents run summary: {status}",
        "report_timeout": "Report {report} was still not ready after {checks} status checks; Yandex may be "
        "overloaded. Start the month again later.",
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
        "summary.not_listed": "and {n} more FAILED, not listed here; the archive's index.html and index.csv list "
        "them all.",
        "summary.left_out": "left out {business} campaign {campaign}: Yandex reports its API as {availability}",
        "count": "{n} {status}",
        "summary.nothing": "no reports",
        "summary.unpublished": "{n} notice(s) could not be published (SNS, KMS); their reports are counted above. "
        "Check the notices topic's key and policy (README, Runbook).",
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
        "system.ofd": "Yandex OFD",
        "system.direct": "Yandex Direct",
        "error.no_message": "no error message",
        "error.market.answered": "{operation}: Market API answered HTTP {status} ({words})",
        "error.market.no_answer": "{operation}: no answer from the Market API ({problem})",
        "error.market.no_json": "{operation}: the Market API answer has no JSON result",
        "error.market.unexpected": "{operation}: unexpected answer from the Market API",
        "error.market.pages": "campaigns: more than {pages} pages of campaigns",
        "error.market.page_repeated": "campaigns: Yandex Market answered a page token already followed, {token}: the "
        "list of campaigns loops, so reading stopped (a fault of the API; start again later)",
        "advice.market.400": "Yandex rejected the request",
        "advice.market.401": "the Api-Key was rejected: the token is missing, invalid or revoked. Put a valid token "
        "into the stack's secret (README: 'Put the token in') and start the month again",
        "advice.market.403": "access denied: the token needs the scope finance-and-accounting (or all-methods), and "
        "the API must be enabled for the campaign (seller cabinet: Settings, API and modules)",
        "advice.market.404": "the report is unknown or expired",
        "advice.market.420": "a Market API limit was reached",
        "error.download.refused": "refused to download the report from {origin}: not an allowed origin ({allowed}); "
        "if Yandex moved its files, add the origin to the stack parameter DownloadAllowedOrigins",
        "error.download.no_answer": "download from {host} failed ({problem})",
        "error.download.answered": "download from {host} answered HTTP {status} ({reason})",
        "error.download.expired": "the link has expired or was refused",
        "error.download.other": "error",
        "error.download.redirects": "download from {host}: more than {redirects} redirects",
        "error.download.broke_off": "download from {host} broke off ({problem})",
        "error.source.no_answer": "{what}: no answer from {system} ({problem})",
        "error.source.answered": "{what}: {system} answered HTTP {status} ({words})",
        "error.source.no_secret": "{system}: no secret is configured (its template parameters turn it on)",
        "error.source.secret_unreadable": "{system}: cannot read secret {name!r}; create it (README)",
        "error.source.secret_json": "{system}: secret {name!r} is not valid JSON",
        "error.data_uri": "not a base64 data URI",
        "error.data_uri_base64": "the data URI's base64 is broken",
        "advice.ofd.401": "the X-Yandex-Key (authKey in the OFD secret) was rejected: put a valid key into the secret",
        "advice.ofd.403": "the X-OFD-Key (ofdKey in the OFD secret) was rejected or has no access to these companies",
        "ofd.what": "sales aggregation",
        "ofd.secret": 'the Yandex OFD secret must be {{"authKey": "...", "ofdKey": "..."}}',
        "ofd.no_total": "sales aggregation: Yandex OFD answered without data/total",
        "ofd.stopped": "sales aggregation: Yandex OFD stopped at {read} of {total} intervals",
        "ofd.page_repeated": "sales aggregation: asked from offset {offset}, Yandex OFD answered day {day} again: the "
        "pages repeat, so reading stopped and nothing was archived (a fault of the API; start again later)",
        "ofd.bad_total": "sales aggregation: Yandex OFD counted {total} intervals (on the first page: {first}) in a "
        "month of {days} days: the answer does not add up, nothing was archived (a fault of the API; start again "
        "later)",
        "advice.activeplatform.401": "the manager's API token was rejected: put a valid one into the ActivePlatform "
        "secret",
        "advice.activeplatform.403": "the manager has no access to this reseller or account",
        "advice.activeplatform.404": "ActivePlatform has no closing document with key {key} (reseller {reseller}, "
        "account {account}); check the key in the ERP",
        "ap.what": "closing document {key}",
        "ap.no_data": "ActivePlatform has no closing document with key {key} (no data)",
        "ap.not_a_unit": "{title}: not an ActivePlatform document unit",
        "ap.unreadable": "closing document {key}: ActivePlatform's file is unreadable ({problem})",
        "ap.file_type": "closing document {key}: unexpected file type {mime}",
        "direct.secret": 'the Yandex Direct secret must be {{"token": "...", "masterToken": "...", "login": "..."}}',
        "direct.not_a_set": "{scope}: not a Direct payment set",
        "direct.unknown_before": "an invoice request for {month} ({scope}) was sent at {sent_at} with operation "
        "number {number}, and no answer said whether the invoice was created, so an invoice may exist; no request for "
        "this month is sent until a person resolves it. Check Yandex Balance (balance.yandex.ru, login {login}) for an "
        "invoice of that sum created then: if there is one, start with invoiceNumber=<its number> (it is recorded, "
        "nothing is sent); if there is none, start with force=true",
        "direct.unknown": "the invoice request for {month} ({scope}) was sent at {sent_at} with operation number "
        "{number}, and the answer does not say whether the invoice was created ({problem}), so an invoice may exist; "
        "the request must not be repeated. Check Yandex Balance (balance.yandex.ru, login {login}) for an invoice of "
        "that sum created then: if there is one, start with invoiceNumber=<its number> (it is recorded, nothing is "
        "sent); if there is none, start with force=true",
        "direct.unreadable": "HTTP 200 that is not a CreateInvoice answer: {excerpt}",
        "direct.exists": "{month} has an invoice already (payments {scope}: {what}; login {login}); a second one for "
        "the month is created only with force=true",
        "direct.concurrent": "another run is requesting the invoice for {month} right now; this one sent nothing",
        "direct.resolved": "invoice for {total} {currency} number {number}, found in Yandex Balance (login {login}), "
        "recorded; no request was sent to Direct",
        "direct.no_connection": "CreateInvoice: no connection to {system}; nothing was sent",
        "direct.refused": "CreateInvoice: {system} refused with {words}",
        "direct.refused_code": "error {code}: {text}",
        "lock.owner_unknown": "this report is locked by execution {owner}, and DescribeExecution could not say "
        "whether it still runs ({problem}); the lock is kept until that is known",
        "error.archive.directory_too_large": "the ZIP's central directory is larger than {limit} bytes",
        "error.archive.unreadable": "the download is not a readable ZIP ({problem})",
        "error.archive.no_documents": "the ZIP holds no documents",
        "error.archive.not_zip": "the download is not a ZIP archive (it does not start with a ZIP signature)",
        "error.archive.empty": "the download is empty",
        "error.archive.broke_off": "the download broke off: got {size} of {expected} bytes",
        "error.archive.unverified": "the upload finished before the download was verified",
        "error.archive.not_xlsx": "the download is not a readable XLSX workbook ({problem})",
        "error.archive.conflict": "{key} changed while it was being updated; the step is retried",
        "error.archive.no_report": "{title}: no report to archive",
        "error.archive.no_file": "reports/info: report {report} is {status} without a file",
        "error.archive.member_damaged": "member {member} of the download is damaged: {problem}; nothing was archived",
        "error.archive.crc": "its CRC-32 is {actual}, the ZIP records {expected}",
        "error.archive.size": "it is {size} bytes ({compressed} compressed), the ZIP records {expected} "
        "({expected_compressed})",
        "error.archive.inflate": "its compressed data do not decompress ({problem})",
        "error.archive.deflate_end": "its compressed data do not end where the ZIP says",
        "error.archive.name": "its own header names it differently: {header}",
        "error.archive.missing": "the ZIP's directory points to byte {at}, where no member starts",
        "error.archive.cut": "the download ends inside it",
        "error.archive.no_descriptor": "no data descriptor with its CRC-32 and size follows it",
        "error.archive.encrypted": "it is encrypted, so its CRC-32 cannot be checked",
        "error.archive.method": "it is compressed with method {method}, whose CRC-32 cannot be checked",
        "error.archive.no_header": "no ZIP member header at byte {at}",
        "error.archive.too_many_members": "the ZIP holds more than {limit} members",
        "error.secret.problem": "secret {name!r} {what} (README: 'Put the token in')",
        "error.secret.unreadable": "cannot read secret {name!r}; create it and put the Market Api-Key in it "
        "(README: 'Put the token in')",
        "error.secret.empty": "holds no token yet; put the Market Api-Key in it",
        "error.secret.not_json": "is neither a bare token nor a JSON object of business name to token",
        "error.secret.no_business": "must map at least one business name to its token",
        "error.secret.bad_name": "has a business name {name!r} that is not 1-64 of A-Z a-z 0-9 . _ -",
        "error.secret.unsafe_name": "has a business name {name} that is not 1-64 of A-Z a-z 0-9 . _ - starting "
        "with a letter or digit (a business name is a folder of the archive)",
        "error.secret.no_token": "holds no token for business {name!r}",
        "error.secret.missing_business": "has no token for business {business!r} (it has: {names})",
    },
}


def language() -> Language:
    """The deployment's language (NOTICE_LANGUAGE; Russian by default)."""
    return "en" if os.environ.get("NOTICE_LANGUAGE", "ru").strip() == "en" else "ru"


def say(text: str, /, **values: object) -> str:
    """The text called ``text`` in the deployment's language, with ``values`` put in."""
    return TEXTS[language()][text].format(**values)


MAX_QUOTED = 60  # characters of a value an error message quotes (an input's excerpt, never the whole of it)


def excerpt(value: object, limit: int = MAX_QUOTED) -> str:
    """``repr(value)`` as an error message quotes it: at most ``limit`` characters, then ``…`` and the full length
    (a start input or an answer can be hundreds of kilobytes; a message must fit a notice and a state)."""
    if isinstance(value, str):  # cut the text, then quote it: a short value is quoted whole, escapes and all
        return repr(value) if len(value) <= limit else f"{value[:limit]!r}… ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
