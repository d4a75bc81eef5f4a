"""The views: what people and machines read of the archive. The SNS notices, the month's pack.json and the
index page (HTML from ``templates/``, CSV)."""
