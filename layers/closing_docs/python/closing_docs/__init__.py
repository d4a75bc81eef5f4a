"""Monthly archive of Yandex Market closing documents: all logic of the Lambda functions.

Modules: ``models`` (API bodies, state payloads), ``config`` (the function environment), ``start_input``
(validating the start input), ``months``, ``polling``, ``market`` (API client), ``secrets`` (the Api-Key),
``claims`` (one execution per campaign-month), ``archive`` (verified streaming into S3), ``notices``,
``steps`` (one function per Lambda), ``handler`` (the Powertools wrapper), ``errors`` (exception names =
ASL error names).
"""
