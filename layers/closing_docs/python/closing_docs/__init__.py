"""Monthly archive of Yandex Market accounting documents: all logic of the Lambda functions.

Modules: ``unit`` (the identity of one unit of work: keys, lock, JSON form), ``reports`` (the catalog: one module
per report kind), ``models`` (API bodies, state payloads, built on the unit), ``base`` (the wire base), ``config``
(the function environment), ``request`` (the start input, checked, months parsed once), ``planning`` (the units of
a run), ``limits`` (what one execution can finish), ``months``, ``polling``, ``pacing`` (Yandex's per-kind windows),
``market`` (API client), ``secrets`` (the Api-Key), ``claims`` (one execution per unit), ``archive`` (the S3
archive store: verified streaming, manifests), ``pack`` (pack.json per business and month), ``audit``, ``notices``,
``wiring`` (the shared clients), ``steps`` (one module per Lambda), ``handler`` (the Powertools wrapper), ``errors``
(exception names = ASL error names).
"""
