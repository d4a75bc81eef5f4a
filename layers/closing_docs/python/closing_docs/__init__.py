"""Monthly archive of Yandex Market closing documents: all logic of the Lambda functions.

Modules: ``models`` (API bodies, state payloads), ``start_input`` (validating the start input),
``months``, ``polling``, ``market`` (API client), ``archive`` (verified streaming into S3),
``notices``, ``steps`` (one function per Lambda), ``errors`` (exception names = ASL error names).
"""
