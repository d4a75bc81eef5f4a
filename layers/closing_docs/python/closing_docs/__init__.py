"""Monthly archive of Yandex Market accounting documents: all logic of the Lambda functions, in rooms by role.

Imports run one way, from the top down: ``steps`` (one module per Lambda; ``steps.wiring`` builds the clients)
-> ``views`` (notices, pack.json, the index page) -> ``close`` (the month's close: a pure engine, and
``close.pipeline``, its side of the archive), ``proof`` (audit, fixity) and ``plan`` (the start input, the limits,
the units of a run) -> ``kinds`` (one module per Market report kind and per other system, behind one protocol,
``kinds.Kind``) -> ``adapters`` (Market's API, the archive store, secrets, the lock table, HTTP) -> ``domain`` (the
unit, months, models, errors, texts, settings).
"""
