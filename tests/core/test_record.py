"""The typed run record: 0.1.0 records still read and report, one generated schema, validation without jsonschema.

``data/record_0.1.0_{a,b,c}.json`` were written by bellsense 0.1.0 (commit 1bd234b) and
``data/record_0.1.0_*.table.txt`` are what its ``bellsense report --no-plots`` printed for them:
(a) GHZ and product on Aer with dephasing and readout error, Fisher by moments; (b) GHZ on
FakeTorino in local mode with readout calibration and mitigation; (c) Dicke and GHZ with the
Hellinger method, squeezing and the PI Bell inequality (its job payloads were stripped for size:
``report`` never reads them). The records are stored compact (``json.dump`` without indent).
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from bellsense import record, report
from bellsense.cli import main
from bellsense.records import RunRecord

DATA = pathlib.Path(__file__).resolve().parent / "data"
OLD = sorted(DATA.glob("record_0.1.0_*.json"))
#: Columns of the table computed by the Fisher estimators (F measured, z): the moments estimator's
#: error bars changed after 0.1.0 (an interval with correct coverage), so these may differ.
FISHER_COLUMNS = slice(40, 64)


def _masked(lines: list[str]) -> list[str]:
    return [line[:FISHER_COLUMNS.start] + line[FISHER_COLUMNS.stop:] if line[:3].strip() in ("ghz", "pro", "dic")
            else line for line in lines]


def test_three_stored_records():
    assert [p.name for p in OLD] == ["record_0.1.0_a.json", "record_0.1.0_b.json", "record_0.1.0_c.json"]


@pytest.mark.parametrize("path", OLD, ids=[p.stem for p in OLD])
def test_a_010_record_reports_the_010_table(path, capsys):
    assert main(["report", str(path), "--no-plots"]) == 0
    printed = capsys.readouterr().out.splitlines()
    # lines added after 0.1.0 under a point (issue 14): where it ran (device layout, Aer method)
    printed = [line for line in printed if not line.strip().startswith(("layout: physical qubits", "simulation: "))]
    expected = path.with_suffix(".table.txt").read_text(encoding="utf-8").splitlines()
    assert len(printed) == len(expected)
    # The table gained a last column (the parallel bound, issue 16): compare the 0.1.0 columns.
    printed = [new[:len(old)] if old.startswith(("state", "---", "ghz", "pro", "dic")) else new
               for new, old in zip(printed, expected)]
    # Everything but the Fisher estimates is the same text; the Fisher values (not their errors) too.
    assert _masked(printed) == _masked(expected)
    for new, old in zip(printed, expected):
        if new[:3].strip() in ("ghz", "pro", "dic"):
            assert new[FISHER_COLUMNS].split("±")[0].strip() == old[FISHER_COLUMNS].split("±")[0].strip()


@pytest.mark.parametrize("path", OLD, ids=[p.stem for p in OLD])
def test_a_010_record_migrates_without_loss(path, assert_same):
    raw = json.loads(path.read_text())
    assert raw["format_version"] == 1 and "schema_version" not in raw
    rec = record.read(path)
    assert isinstance(rec, RunRecord) and rec.schema_version == record.SCHEMA_VERSION
    out = rec.to_json()
    assert "format_version" not in out and out["schema_version"] == record.SCHEMA_VERSION
    # The spec's [noise] keys become those of bellsense.noise.NoiseSpec; nothing else changes (no complex
    # numbers in these records).
    old_noise, new_noise = raw["spec"].pop("noise"), out["spec"].pop("noise")
    assert new_noise["kappa"] == old_noise["collective"] and "collective" not in new_noise
    assert new_noise["readout_p10"] == new_noise["readout_p01"] == old_noise["readout_error"]
    assert new_noise["dephasing"] == old_noise["dephasing"]
    del raw["format_version"], out["schema_version"]
    assert out == raw
    # The stored analysis and a fresh one agree on everything that does not depend on the Fisher estimator
    # (the parallel bound is new since 0.1.0: a fresh analysis adds it).
    again = report.analyse(rec)
    new_fields = {"fisher_measured", "fisher_z", "mitigated", "bound", "bound_unavailable"}
    assert_same([p.model_dump(exclude=new_fields) for p in again],
                [p.model_dump(exclude=new_fields) for p in rec.points])


def test_migration_spells_complex_numbers_one_way():
    raw = json.loads(OLD[0].read_text())
    raw["calibration"] = {"note": {"re": 1.5, "im": -2.0}}
    migrated = record.migrate(raw)
    assert migrated["calibration"] == {"note": {"real": 1.5, "imag": -2.0}}
    assert record.to_json_safe(complex(1, 2)) == {"real": 1.0, "imag": 2.0}
    with pytest.raises(ValueError, match="unknown record version"):
        record.migrate({**raw, "format_version": 7})
    with pytest.raises(ValueError, match="not a bellsense record"):
        record.migrate({"format": "other"})


def test_committed_schema_is_the_generated_one():
    shipped = json.loads((pathlib.Path(record.__file__).parent / record.SCHEMA_PATH).read_text())
    assert shipped == record.generated_schema() == record.schema()


def test_generated_schema_accepts_records_and_rejects_broken_ones():
    import jsonschema

    schema = record.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in OLD:
        validator.validate(record.read(path).to_json())
    broken = record.read(OLD[1]).to_json()
    broken["points"][0]["n"] = "two"
    assert not validator.is_valid(broken)
    with pytest.raises(ValueError, match="points/0/n"):
        record.validate(broken)


def test_validate_names_the_first_problem(tmp_path):
    good = record.read(OLD[1]).to_json()
    assert record.validate(good) == record.read(OLD[1])
    for mutate, where in (
        (lambda r: r["circuits"][0]["bindings"][0].update(counts={"01": 3, "1": 2}), "circuits/0/bindings/0/counts"),
        (lambda r: r["exact"][0].update(statistic="median"), "exact/0/statistic"),
        (lambda r: r.update(status="done"), "status"),
        (lambda r: r["points"][0].update(unexpected=1), "points/0/unexpected"),
    ):
        bad = json.loads(json.dumps(good))
        mutate(bad)
        with pytest.raises(ValueError, match=where):
            record.validate(bad)
    bad_spec = json.loads(json.dumps(good))
    bad_spec["spec"]["probe"]["states"] = ["cat"]
    with pytest.raises(ValueError, match="probe.states"):
        record.validate(bad_spec)
    (tmp_path / "record.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a JSON record"):
        record.read(tmp_path)


def test_write_is_atomic_and_round_trips(tmp_path):
    rec = record.read(OLD[2])
    path = record.write(tmp_path / "record.json", rec)
    assert record.read(path) == rec
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]  # no temporary file left
    with pytest.raises(TypeError, match="RunRecord"):
        record.write(tmp_path / "other.json", rec.to_json())  # type: ignore[arg-type]
    # Quantities that were not measured stay absent (not null): record a measured Fisher and Bell only.
    stored = json.loads(record.write(tmp_path / "a.json", record.read(OLD[0])).read_text())
    assert all("pi_bell" not in p and "squeezing" not in p and "bell_correlator" in p for p in stored["points"])


def test_validate_record_needs_no_jsonschema(tmp_path):
    # A plain install has no jsonschema: block its import and validate a record through the models.
    code = (
        "import sys; sys.modules['jsonschema'] = None\n"
        "import bellsense\n"
        f"rec = bellsense.validate_record({str(OLD[0])!r})\n"
        "loaded = sys.modules.get('jsonschema') is not None\n"
        "print(type(rec).__name__, len(rec.points), loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["RunRecord", "8", "False"]
