"""Package discovery: ``sponsor_pipeline`` and its subpackages, plus ``sponsor_pipeline.sql``.

Everything else lives in pyproject.toml. The one thing it cannot say: the schema stays in the
repository's top-level ``sql/`` and is installed as the package ``sponsor_pipeline.sql`` (``package-dir``
in pyproject.toml). ``[tool.setuptools.packages.find]`` only discovers packages under their own name on
disk, and would replace this list, so discovery happens here instead. ``sponsor_pipeline.*`` (not
``sponsor_pipeline*``) keeps sibling packages such as a future ``sponsor_pipeline_dev`` out of the wheel.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["sponsor_pipeline", "sponsor_pipeline.*"]), "sponsor_pipeline.sql"])
