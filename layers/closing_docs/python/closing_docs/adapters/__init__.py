"""The adapters: each remote system behind one class. Market's Partner API (``market``), the archive bucket
(``archive``: every S3 read and write), the secrets, the lock table (``claims``, ``pacing``), the run's work
bucket (``runwork``), the other systems' HTTP (``http``), logging and metrics, and the Lambda handler wrapper.
They import the domain only."""
