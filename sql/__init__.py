"""Owns the warehouse schema as package data: installed as ``sponsor_pipeline.sql``.

``migrations/`` (each with its ``.rollback.sql``), ``partitioning/`` and the ``verify*.sql`` queries are
read by :mod:`sponsor_pipeline.db.migrate` through ``importlib.resources``; setup.py and pyproject.toml
map this top-level folder into the package, for a wheel and for an editable install alike.
"""
