"""The landing sensor: run keyed by checksum, imported files skipped, growing files wait a tick."""

from __future__ import annotations

import json
import shutil

import dagster as dg

from sponsor_pipeline.definitions import build_definitions
from sponsor_pipeline.defs.ingestion.sensors import build_landing_sensor
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.settings import PROJECT_ROOT, Flags
from sponsor_pipeline.validation import file_checksum
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

SAMPLES = PROJECT_ROOT / "samples"
EK = SAMPLES / "exports" / "engineering-kiosk"


def tick(sensor, postgres, cursor):
    with dg.build_sensor_context(
        cursor=cursor,
        instance=dg.DagsterInstance.ephemeral(),
        resources={"postgres": postgres, "settings": settings_from_env()},
    ) as context:
        result = sensor(context)
        return (list(result) if isinstance(result, list) else result), context.cursor


def test_landing_files_wait_for_stable_size_then_run_once_per_checksum(conn, postgres, tmp_path):
    sensor = build_landing_sensor(["listener_metrics", "platform_exports", "io_bookings"], folder=str(tmp_path))
    bad = tmp_path / "metrics_bad_rows.csv"
    shutil.copy(SAMPLES / "metrics_bad_rows.csv", bad)
    (tmp_path / "exports" / "engineering-kiosk").mkdir(parents=True)
    payload = tmp_path / "exports" / "engineering-kiosk" / "anchorPlays.json"
    shutil.copy(EK / "anchorPlays.json", payload)
    shutil.copy(SAMPLES / "io_bookings.csv", tmp_path / "io_bookings_2026-11.csv")
    (tmp_path / "notes.txt").write_text("not watched")

    first, cursor = tick(sensor, postgres, None)
    assert isinstance(first, dg.SkipReason) and "3 file(s) new or still growing" in first.skip_message
    assert set(json.loads(cursor)) == {
        "metrics_bad_rows.csv",
        "exports/engineering-kiosk/anchorPlays.json",
        "io_bookings_2026-11.csv",
    }

    with bad.open("a") as handle:  # still being written: size changed since the last tick
        handle.write("harbor-pods,2026-08-21,hp-kitchen-table,hp-kitchen-table-e061,acast,1,1,1\n")
    second, cursor = tick(sensor, postgres, cursor)
    keys = {r.run_key: r for r in second}
    assert set(keys) == {
        f"export:{file_checksum(payload)}",
        f"csv:{file_checksum(tmp_path / 'io_bookings_2026-11.csv')}",
    }
    io_run = keys[f"csv:{file_checksum(tmp_path / 'io_bookings_2026-11.csv')}"]
    assert io_run.asset_selection == [dg.AssetKey("io_bookings")]
    assert io_run.run_config["ops"]["reference_tables"]["config"]["files"]["io_bookings"].endswith(
        "io_bookings_2026-11.csv"
    )

    third, cursor = tick(sensor, postgres, cursor)
    by_asset = {r.asset_selection[0].to_user_string(): r for r in third}
    assert by_asset["listener_metrics"].run_key == f"csv:{file_checksum(bad)}"
    assert by_asset["listener_metrics"].run_config == {
        "ops": {"listener_metrics": {"config": {"landing_dir": str(tmp_path), "pattern": bad.name}}}
    }

    imports.import_csv(conn, bad, LISTENER_METRICS)  # once imported, the same bytes are skipped
    fourth, _ = tick(sensor, postgres, cursor)
    assert bad.name not in {r.tags["sponsor/landing_file"] for r in fourth}


def test_landing_sensor_run_config_imports_the_file(reference, postgres, tmp_path):
    (tmp_path / "exports" / "engineering-kiosk").mkdir(parents=True)
    for name in ("platform_shows.csv", "anchorPlays.json"):
        shutil.copy(EK / name, tmp_path / "exports" / "engineering-kiosk" / name)
    shutil.copytree(EK / "reference", tmp_path / "exports" / "engineering-kiosk" / "reference")
    sensor = build_landing_sensor(["platform_exports"], folder=str(tmp_path))
    _, cursor = tick(sensor, postgres, None)
    (request,), _ = tick(sensor, postgres, cursor)
    job = build_definitions(Flags()).resolve_implicit_global_asset_job_def()
    result = job.get_subset(asset_selection=set(request.asset_selection)).execute_in_process(
        run_config=request.run_config,
        instance=dg.DagsterInstance.ephemeral(),
        resources={"postgres": postgres, "settings": settings_from_env()},
    )
    assert result.success
    assert reference.execute("SELECT count(*) FROM listener_metrics WHERE source = 'anchor'").fetchone()[0] == 14
