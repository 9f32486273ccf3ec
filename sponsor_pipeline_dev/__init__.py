"""Development-only tools run from a source checkout (``make demo``); not part of the installed package.

The demo loads the repository's ``samples/`` and, without Google credentials, serves a worksheet
through the test tree's fake Sheets API, so it lives outside ``sponsor_pipeline`` (the wheel ships
neither the samples nor the fakes).
"""
