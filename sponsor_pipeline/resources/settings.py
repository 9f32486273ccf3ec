"""Owns the pipeline's one configuration surface: folders and tunables, as the ``settings`` resource.

Every asset, check and sensor that needs a folder or a tunable takes the ``settings`` resource
(:class:`PipelineSettings`) instead of reading the environment. :func:`settings_from_env` binds each
field whose environment variable is set to a ``dg.EnvVar``, so the value itself is read when a run or
a sensor tick starts (and shows in the Dagster UI as coming from that variable); a field left unset
takes the default below. The launchpad can override any field in the resource config.

| field | variable | default |
|---|---|---|
| ``state_dir`` | ``SPONSOR_STATE_DIR`` | ``.state/`` in the project checkout |
| ``samples_dir`` | ``SPONSOR_SAMPLES_DIR`` | ``samples/`` in the project checkout |
| ``landing_dir`` | ``SPONSOR_LANDING_DIR`` | the samples folder |
| ``exports_dir`` | ``SPONSOR_EXPORTS_DIR`` | ``<samples>/exports`` |
| ``plots_dir`` | ``SPONSOR_PLOTS_DIR`` | ``<state>/plots`` |
| ``io_documents_dir`` | ``SPONSOR_IO_DOCUMENTS_DIR`` | ``<state>/io_documents`` |
| ``campaign_reports_dir`` | ``SPONSOR_CAMPAIGN_REPORTS_DIR`` | ``<state>/campaign_reports`` |
| ``impression_sources`` | ``SPONSOR_IMPRESSION_SOURCES`` | ``megaphone`` |
| ``sensor_batch_size`` | ``SPONSOR_SENSOR_BATCH_SIZE`` | 500 change_log rows per tick |
| ``vanity_domain`` | ``SPONSOR_VANITY_DOMAIN`` | ``listen.example.com`` |
| ``freshness_warn_days`` | ``SPONSOR_FRESHNESS_WARN_DAYS`` | 2: newest day of data older than this warns |
| ``freshness_fail_days`` | ``SPONSOR_FRESHNESS_FAIL_DAYS`` | 7: older than this fails (ERROR) |
| ``response_grace_days`` | ``SPONSOR_RESPONSE_GRACE_DAYS`` | 14 (``vocabulary.RESPONSE_GRACE_DAYS``): flight days before a promo code without orders or a vanity URL without visits is flagged |
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from sponsor_pipeline.io_codes import DEFAULT_VANITY_DOMAIN
from sponsor_pipeline.settings import PROJECT_ROOT
from sponsor_pipeline.vocabulary import RESPONSE_GRACE_DAYS
from sponsor_pipeline.warehouse.change_log import DEFAULT_BATCH_SIZE

DEFAULT_IMPRESSION_SOURCES = "megaphone"  # the hosting platform of the sample network

# field → environment variable; integers are bound with dg.EnvVar.int.
ENVIRONMENT = {
    "state_dir": "SPONSOR_STATE_DIR",
    "samples_dir": "SPONSOR_SAMPLES_DIR",
    "landing_dir": "SPONSOR_LANDING_DIR",
    "exports_dir": "SPONSOR_EXPORTS_DIR",
    "plots_dir": "SPONSOR_PLOTS_DIR",
    "io_documents_dir": "SPONSOR_IO_DOCUMENTS_DIR",
    "campaign_reports_dir": "SPONSOR_CAMPAIGN_REPORTS_DIR",
    "impression_sources": "SPONSOR_IMPRESSION_SOURCES",
    "sensor_batch_size": "SPONSOR_SENSOR_BATCH_SIZE",
    "vanity_domain": "SPONSOR_VANITY_DOMAIN",
    "freshness_warn_days": "SPONSOR_FRESHNESS_WARN_DAYS",
    "freshness_fail_days": "SPONSOR_FRESHNESS_FAIL_DAYS",
    "response_grace_days": "SPONSOR_RESPONSE_GRACE_DAYS",
}
_INTEGERS = {"sensor_batch_size", "freshness_warn_days", "freshness_fail_days", "response_grace_days"}


def _folder(value: str | None, default: Path) -> Path:
    return Path(value).expanduser().resolve() if value else default.resolve()


class PipelineSettings(dg.ConfigurableResource):
    """Folders and tunables of the pipeline (resource key ``settings``); see the module table.

    Folder methods take an optional per-run override (an asset's run config) that wins over the
    resource's field, and return absolute paths.
    """

    state_dir: str | None = None
    samples_dir: str | None = None
    landing_dir: str | None = None
    exports_dir: str | None = None
    plots_dir: str | None = None
    io_documents_dir: str | None = None
    campaign_reports_dir: str | None = None
    impression_sources: str = DEFAULT_IMPRESSION_SOURCES  # comma-separated metrics_daily sources
    sensor_batch_size: int = DEFAULT_BATCH_SIZE
    vanity_domain: str = DEFAULT_VANITY_DOMAIN
    freshness_warn_days: int = 2  # data-time freshness checks: days behind today before a warning
    freshness_fail_days: int = 7  # ... and before an ERROR
    response_grace_days: int = RESPONSE_GRACE_DAYS  # verification flags: unused promo code / no vanity traffic

    def state(self) -> Path:
        """Folder of the embedded PostgreSQL, Dagster's home and generated files."""
        return _folder(self.state_dir, PROJECT_ROOT / ".state")

    def samples(self, override: str | None = None) -> Path:
        """Folder of the reference CSVs (tenants, shows, episodes, ..., io_bookings)."""
        return _folder(override or self.samples_dir, PROJECT_ROOT / "samples")

    def landing(self, override: str | None = None) -> Path:
        """Folder whose ``*metrics*.csv`` files feed listener_metrics and the landing sensor watches."""
        return _folder(override or self.landing_dir, self.samples())

    def exports(self, override: str | None = None) -> Path:
        """Folder of platform export payloads, one sub-folder per tenant."""
        return _folder(override or self.exports_dir, self.samples() / "exports")

    def plots(self, override: str | None = None) -> Path:
        """Folder of the dashboards' PNG plots."""
        return _folder(override or self.plots_dir, self.state() / "plots")

    def io_documents(self, override: str | None = None) -> Path:
        """Folder of the PDF insertion orders, ``<tenant>/IO-<io_id>.pdf``."""
        return _folder(override or self.io_documents_dir, self.state() / "io_documents")

    def campaign_reports(self, override: str | None = None) -> Path:
        """Folder of the campaign reports, ``<tenant>/<campaign_id>.pdf`` and ``.csv``."""
        return _folder(override or self.campaign_reports_dir, self.state() / "campaign_reports")

    def change_log_batch_size(self) -> int:
        """change_log transitions a sensor tick handles (a tick of 500 takes well under a second).

        Checked here, when a tick reads it: an ``EnvVar`` field holds no value until then.

        Raises:
            ValueError: not a positive integer, naming the variable.
        """
        if self.sensor_batch_size < 1:
            raise ValueError(
                f"sensor_batch_size (SPONSOR_SENSOR_BATCH_SIZE) must be a positive integer, got {self.sensor_batch_size}"
            )
        return self.sensor_batch_size

    def impression_source_list(self) -> list[str]:
        """metrics_daily sources whose downloads count as delivered impressions (never empty)."""
        sources = [s.strip() for s in self.impression_sources.split(",") if s.strip()]
        return sources or [DEFAULT_IMPRESSION_SOURCES]

    def verification_grace_days(self) -> int:
        """Flight days before an unused promo code or a vanity URL without visits is flagged.

        Raises:
            ValueError: a negative value, naming the variable.
        """
        if self.response_grace_days < 0:
            raise ValueError(
                f"response_grace_days (SPONSOR_RESPONSE_GRACE_DAYS) must be >= 0, got {self.response_grace_days}"
            )
        return self.response_grace_days

    def vanity_host(self) -> str:
        """The vanity-URL domain without scheme slashes or surrounding blanks."""
        return self.vanity_domain.strip().strip("/") or DEFAULT_VANITY_DOMAIN


def settings_from_env() -> PipelineSettings:
    """A :class:`PipelineSettings` with ``dg.EnvVar`` bound to every variable of the table that is set.

    Called when the Definitions are built (not at import); the values are read when a run starts.
    """
    bound = {
        field: (dg.EnvVar.int(name) if field in _INTEGERS else dg.EnvVar(name))
        for field, name in ENVIRONMENT.items()
        if os.environ.get(name, "").strip()
    }
    return PipelineSettings(**bound)
