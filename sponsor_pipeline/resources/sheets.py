"""Owns the Google Sheets resource: a gspread client from a service-account key or default credentials.

Credentials, in order:

1. an already built ``gspread.Client`` handed in with :meth:`GoogleSheetsResource.with_client`
   (tests, the demo's fake server, unusual auth);
2. ``service_account_key``, else the environment variable named by ``credentials_env``
   (``GOOGLE_SHEETS_CREDENTIALS``): a path to a service-account key file, or the key's JSON itself;
3. ``use_default_credentials``: Google's application default credentials (``google.auth.default``,
   e.g. workload identity or ``gcloud auth application-default login``).

Scopes: spreadsheets (read) and drive (read-only metadata: ``modifiedTime`` for the sensor). Error
messages name the variable to set and never contain key material.
"""

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/drive.readonly",
)
DEFAULT_CREDENTIALS_ENV = "GOOGLE_SHEETS_CREDENTIALS"
SHEETS_CONFIG_ENV = "SPONSOR_SHEETS"
DRIVE_FILE_URL = "https://www.googleapis.com/drive/v3/files/{}"
_HANDED_IN: dict[str, Any] = {}


class SheetsCredentialsError(RuntimeError):
    """Google credentials are missing or unusable; the message says which variable to set."""


class WorksheetSpec(dg.Config):
    """One worksheet to read: spreadsheet key (the id in its URL), tab title and the tenant it feeds."""

    spreadsheet_id: str
    worksheet: str
    tenant_id: str
    value_render_option: str = "UNFORMATTED_VALUE"  # numbers as numbers, dates as serial numbers


def worksheets_from_env() -> list[WorksheetSpec]:
    """``SPONSOR_SHEETS``: a JSON list of ``{spreadsheet_id, worksheet, tenant_id}`` (empty when unset).

    Raises:
        ValueError: the variable is not such a list (names the variable).
    """
    raw = os.environ.get(SHEETS_CONFIG_ENV, "").strip()
    if not raw:
        return []
    try:
        items = json.loads(raw)
        return [WorksheetSpec(**item) for item in items]
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"{SHEETS_CONFIG_ENV} must be a JSON list of {{spreadsheet_id, worksheet, tenant_id}}: {err}"
        ) from err


class GoogleSheetsResource(dg.ConfigurableResource):
    """gspread client factory plus the worksheets to read (resource key ``sheets``)."""

    worksheets: list[WorksheetSpec] = []
    service_account_key: str | None = None  # path or JSON; default: the credentials_env variable
    credentials_env: str = DEFAULT_CREDENTIALS_ENV
    use_default_credentials: bool = False
    timeout_seconds: float = 30.0

    # Name of a client handed in with with_client (Dagster re-creates resources from their config,
    # so the client object itself lives in a process-local registry under this name).
    client_name: str | None = None

    _client: Any = PrivateAttr(default=None)

    @classmethod
    def with_client(cls, client: Any, **fields: Any) -> "GoogleSheetsResource":
        """A resource that uses ``client`` (a ``gspread.Client``) instead of building one."""
        name = f"client-{id(client):x}"
        _HANDED_IN[name] = client
        return cls(client_name=name, **fields)

    def _handed_in(self) -> Any:
        if self._client is None and self.client_name:
            self._client = _HANDED_IN.get(self.client_name)
        return self._client

    def has_credentials(self) -> bool:
        """True when a client was handed in, a key is configured, or default credentials are allowed."""
        return bool(self._handed_in() is not None or self._key_text() or self.use_default_credentials)

    def _key_text(self) -> str:
        return (self.service_account_key or os.environ.get(self.credentials_env) or "").strip()

    def _credentials(self):
        from google.oauth2.service_account import Credentials

        key = self._key_text()
        if key:
            if key.startswith("{"):
                try:
                    info = json.loads(key)
                    return Credentials.from_service_account_info(info, scopes=SCOPES)
                except (ValueError, KeyError, TypeError) as err:
                    raise SheetsCredentialsError(
                        f"{self.credentials_env} holds JSON that is not a usable service-account key "
                        f"({type(err).__name__}); paste the whole key file or give its path"
                    ) from None
            path = Path(key).expanduser()
            if not path.is_file():
                raise SheetsCredentialsError(
                    f"{self.credentials_env} points to {path}, which is not a file; set it to a "
                    "service-account key file path or the key's JSON"
                )
            try:
                return Credentials.from_service_account_file(str(path), scopes=SCOPES)
            except (ValueError, KeyError, TypeError) as err:
                raise SheetsCredentialsError(
                    f"{self.credentials_env}: {path} is not a usable service-account key ({type(err).__name__})"
                ) from None
        if self.use_default_credentials:
            import google.auth
            from google.auth.exceptions import DefaultCredentialsError

            try:
                credentials, _ = google.auth.default(scopes=SCOPES)
                return credentials
            except DefaultCredentialsError as err:
                raise SheetsCredentialsError(
                    f"no application default credentials ({type(err).__name__}); set "
                    f"{self.credentials_env} to a service-account key file path or its JSON"
                ) from None
        raise SheetsCredentialsError(
            f"no Google credentials: set {self.credentials_env} to a service-account key file path or "
            "the key's JSON (see .env.example), or enable use_default_credentials"
        )

    def get_client(self):
        """The gspread client (built once per resource instance).

        Raises:
            SheetsCredentialsError: missing or broken credentials (names the variable, no key material).
        """
        if self._handed_in() is None:
            import gspread

            client = gspread.authorize(self._credentials())
            client.http_client.set_timeout(self.timeout_seconds)
            self._client = client
        return self._client

    def read_values(self, spec: WorksheetSpec) -> tuple[str, list[list[Any]]]:
        """``(spreadsheet title, values)`` of one worksheet, as ``values.get`` returns them."""
        spreadsheet = self.get_client().open_by_key(spec.spreadsheet_id)
        worksheet = spreadsheet.worksheet(spec.worksheet)
        values = worksheet.get_values(value_render_option=spec.value_render_option, pad_values=False)
        return spreadsheet.title, values

    def modified_time(self, spreadsheet_id: str) -> str:
        """Drive v3 ``files.get`` ``modifiedTime`` (RFC 3339) of a spreadsheet.

        Raises:
            gspread.exceptions.APIError: non-2xx answer; requests.Timeout / ConnectionError.
        """
        response = self.get_client().http_client.request(
            "get", DRIVE_FILE_URL.format(spreadsheet_id), params={"fields": "modifiedTime", "supportsAllDrives": "true"}
        )
        return response.json()["modifiedTime"]


def sheets_from_env() -> GoogleSheetsResource:
    """The ``sheets`` resource of the Definitions: worksheets from ``SPONSOR_SHEETS`` (read when the
    Definitions load: they shape what the sensor polls) and, when ``GOOGLE_SHEETS_CREDENTIALS`` is set,
    the service-account key bound with ``dg.EnvVar`` (read when a run or tick starts, never logged).

    Raises:
        ValueError: ``SPONSOR_SHEETS`` is not a JSON list of worksheets (names the variable).
    """
    key = dg.EnvVar(DEFAULT_CREDENTIALS_ENV) if os.environ.get(DEFAULT_CREDENTIALS_ENV, "").strip() else None
    return GoogleSheetsResource(worksheets=worksheets_from_env(), service_account_key=key)
