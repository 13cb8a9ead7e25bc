"""The CLI's error contract: one actionable line, non-zero exit, traceback only with --verbose."""

import os
import subprocess
import sys
from pathlib import Path

WIPCAST = str(Path(sys.executable).with_name("wipcast"))


def run(args, tmp_path, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WIPCAST_")}
    full_env.update(env)
    return subprocess.run([WIPCAST, *args], cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=120)


def test_publish_without_warehouse_is_one_line(tmp_path):
    result = run(["publish"], tmp_path)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "nothing to publish" in lines[0] and "wipcast run" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "warehouse" / "wipcast.duckdb").exists()


def test_bad_flag_value_names_the_flag(tmp_path):
    result = run(["forecast", "--horizon", "0"], tmp_path)
    assert result.returncode == 2
    assert "--horizon" in result.stderr


def test_bad_setting_from_environment_names_the_variable(tmp_path):
    result = run(["publish"], tmp_path, WIPCAST_REPORTING_CURRENCY="dollars")
    assert result.returncode == 1
    assert "WIPCAST_REPORTING_CURRENCY" in result.stderr


def test_missing_input_folder_is_reported(tmp_path):
    result = run(["ingest", "files", str(tmp_path / "nope")], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_verbose_adds_the_traceback(tmp_path):
    result = run(["--verbose", "publish"], tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_warehouse_dir_env_moves_the_warehouse(tmp_path):
    target = tmp_path / "elsewhere"
    result = run(["publish"], tmp_path, WIPCAST_WAREHOUSE_DIR=str(target))
    assert str(target / "work.duckdb") in result.stderr.replace("\n", "")


def test_run_with_missing_input_folder_names_the_flag_and_writes_nothing(tmp_path):
    result = run(["run", "--input", str(tmp_path / "nope")], tmp_path, WIPCAST_WAREHOUSE_DIR=str(tmp_path / "wh"))
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "--input" in lines[0] and "nope" in lines[0], result.stderr
    assert not (tmp_path / "wh").exists()  # not even a run-log row


def test_ingest_of_missing_folder_writes_no_warehouse(tmp_path):
    result = run(["ingest", "files", str(tmp_path / "nope")], tmp_path, WIPCAST_WAREHOUSE_DIR=str(tmp_path / "wh"))
    assert result.returncode == 1, result.stderr
    assert not (tmp_path / "wh").exists()


def test_demo_generate_unknown_format_names_the_flag_and_writes_nothing(tmp_path):
    result = run(["demo", "generate", "--format", "xls", "--out", str(tmp_path / "d")], tmp_path)
    assert result.returncode == 2
    assert "--format" in result.stderr and "xls" in result.stderr
    assert not (tmp_path / "d").exists()


def test_demo_generate_impossible_date_names_the_flag(tmp_path):
    result = run(["demo", "generate", "--as-of", "2026-13-01", "--out", str(tmp_path / "d")], tmp_path)
    assert result.returncode == 2
    assert "--as-of" in result.stderr and "2026-13-01" in result.stderr
    assert not (tmp_path / "d").exists()


def test_app_port_out_of_range_names_the_flag(tmp_path):
    result = run(["app", "--port", "0"], tmp_path)
    assert result.returncode == 2
    assert "--port" in result.stderr


def test_steps_after_ingest_on_an_empty_warehouse_write_nothing(tmp_path):
    for args in (["transform"], ["forecast"], ["backtest", "--from", "2026-01", "--to", "2026-02"]):
        result = run(args, tmp_path, WIPCAST_WAREHOUSE_DIR=str(tmp_path / "wh"))
        assert result.returncode == 1, (args, result.stderr)
        assert "no working warehouse" in result.stderr and "wipcast ingest files" in result.stderr, result.stderr
        assert not (tmp_path / "wh" / "work.duckdb").exists(), args
