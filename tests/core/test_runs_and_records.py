"""Issue 11, runs and records: no lost runs (exclusive output folders, umask, clean failures, fetch after a
full disk), a report that validates its record, clean pipes. The bad-input cases are in test_bad_input_table.py.
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import subprocess
import sys

import pytest

from bellsense import cli, record, spec
from bellsense.cli import main
from bellsense.errors import RunFailure, SetupError
from bellsense.run import execute, prepare

GOOD = """name = "tiny"
[probe]
state = "ghz"
n = 2
[sensing]
t = [0.0, 0.5]
[measure]
quantities = ["fisher"]
[run]
shots = 100
seed = 1
"""


@pytest.fixture
def tiny() -> spec.ExperimentSpec:
    return spec.ExperimentSpec.from_dict(__import__("tomllib").loads(GOOD))


def test_a_second_run_into_a_claimed_folder_is_refused_naming_it(tmp_path, tiny):
    out = tmp_path / "out"
    first = prepare(tiny, out)
    with pytest.raises(SetupError, match=f"--out {out}: another bellsense run is writing to this folder"):
        prepare(tiny, out)
    first.claim.release()
    second = prepare(tiny, out)  # released: the folder is free again (and still empty)
    second.claim.release()


def test_two_cli_runs_into_one_folder_the_second_exits_2(tmp_path, capsys):
    (tmp_path / "spec.toml").write_text(GOOD)
    argv = ["run", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"), "--no-progress", "--no-plots"]
    assert main(argv) == 0
    written = (tmp_path / "out" / "record.json").read_bytes()
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"--out {tmp_path / 'out'}: already holds a record.json" in err
    assert (tmp_path / "out" / "record.json").read_bytes() == written


def test_the_record_follows_the_umask(tmp_path, tiny):
    old = os.umask(0o027)
    try:
        execute(prepare(tiny, tmp_path / "out"), progress=False, plots=False)
    finally:
        os.umask(old)
    assert (tmp_path / "out" / "record.json").stat().st_mode & 0o777 == 0o640  # 0666 & ~027, not mkstemp's 0600
    path = tmp_path / "out" / "record.json"
    path.chmod(0o604)  # an existing record keeps its mode when rewritten, as with a plain open()
    record.write(path, record.read(path))
    assert path.stat().st_mode & 0o777 == 0o604


def test_a_run_failing_before_its_record_leaves_no_folder_it_created(tmp_path, tiny, monkeypatch):
    # A full disk cannot be made in a test: os.replace (the atomic write's last step) raises ENOSPC instead.
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    prepared = prepare(tiny, tmp_path / "a" / "b" / "c")
    assert prepared.created_dirs == (tmp_path / "a" / "b" / "c", tmp_path / "a" / "b", tmp_path / "a")
    monkeypatch.setattr(record.os, "replace", full)
    with pytest.raises(RunFailure, match="No space left on device") as info:
        execute(prepared, progress=False, plots=False)
    assert "bellsense fetch" not in str(info.value)  # no record: nothing to fetch
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_after_submission_says_that_fetch_finishes_the_run(tmp_path, monkeypatch, capsys):
    # A full disk cannot be made in a test: the second record write (after the submission record) raises ENOSPC.
    real, calls = os.replace, []

    def full_after_first(src, dst):
        calls.append(dst)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    (tmp_path / "spec.toml").write_text(GOOD)
    out = tmp_path / "out"
    monkeypatch.setattr(record.os, "replace", full_after_first)
    assert main(["run", str(tmp_path / "spec.toml"), "--out", str(out), "--no-progress", "--no-plots"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "No space left on device" in err
    assert f"run 'bellsense fetch {out}' to finish it" in err
    assert record.read(out).status == "submitted" and not list(out.glob(".record-*"))
    monkeypatch.setattr(record.os, "replace", real)
    assert main(["fetch", str(out), "--no-progress", "--no-plots"]) == 0
    assert record.read(out).status == "complete"


def test_report_refuses_a_tampered_record_before_printing(tmp_path, capsys):
    (tmp_path / "spec.toml").write_text(GOOD)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "spec.toml"), "--out", str(out), "--no-progress", "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "--out", str(out)]) == 0  # the record's own folder is allowed
    assert sorted(p.name for p in out.glob("*.png"))
    data = json.loads((out / "record.json").read_text())
    data["circuits"][1]["bindings"][2]["counts"] = {k: 1000 * v for k, v in
                                                    data["circuits"][1]["bindings"][2]["counts"].items()}
    (out / "record.json").write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "inconsistent record at circuits/1/bindings/2/counts: the counts sum to 100000" in captured.err
    with pytest.raises(ValueError, match="circuits/1/bindings/2/counts"):
        record.validate(data)


def test_a_pipe_closed_early_ends_quietly(tmp_path):
    (tmp_path / "spec.toml").write_text(GOOD)
    assert main(["run", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"), "--no-progress",
                 "--no-plots"]) == 0
    read, write = os.pipe()
    os.close(read)  # the reader has gone, as after `| head -1`: the first write raises BrokenPipeError
    try:
        done = subprocess.run([sys.executable, "-m", "bellsense.cli", "status", str(tmp_path / "out")],
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == cli.EXIT_BROKEN_PIPE == 141
    assert done.stderr == ""


def test_cli_limits_are_the_spec_limits():
    assert (cli._MAX_SEED, cli._MAX_SHOTS) == (spec.MAX_SEED, spec.MAX_SHOTS)


def test_crn_check_never_quotes_the_instance():
    from bellsense.backends.credentials import crn_problem

    good = "crn:v1:bluemix:public:quantum-computing:us-east:a/0123abcd:4567efgh::"
    assert crn_problem(good) is None and crn_problem("my-instance-name") is None
    for bad in ("crn:bad", "crn:v1:bluemix:public:quantum-computing::a/0123:4567::", good + "x:y"):
        problem = crn_problem(bad)
        assert problem is not None and "not a valid CRN" in problem and bad not in problem


def test_strict_types_in_records(tmp_path):
    (tmp_path / "spec.toml").write_text(GOOD)
    assert main(["run", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"), "--no-progress",
                 "--no-plots"]) == 0
    data = json.loads((tmp_path / "out" / "record.json").read_text())
    counts = data["circuits"][0]["bindings"][0]["counts"]
    for bad in (True, 5.0, "5"):  # pydantic's lax mode would read each of these as a count
        key = next(iter(counts))
        broken = json.loads(json.dumps(data))
        broken["circuits"][0]["bindings"][0]["counts"][key] = bad
        with pytest.raises(ValueError, match="does not match the record schema at circuits/0/bindings/0/counts"):
            record.validate(broken)
    deep = pathlib.Path(tmp_path / "deep.json")
    deep.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        record.read(deep)
