"""The domain: what the archive is about, with no I/O. The unit of work and its identity (``unit``), months,
the wire models, errors (their class names are the state machine's error names), the words people read
(``texts``), the deployment's settings (``config``) and the polling arithmetic. Imports nothing of the other rooms."""
