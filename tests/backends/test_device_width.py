"""A width the device cannot hold is refused up front (issue 14): ``bellsense check`` and ``run`` exit 2.

The device limit is the largest connected set of good qubits of the coupling map
(``backends.layout.largest_good_component``): a GHZ breadth-first tree of n qubits exists exactly
when n is at most its size. Checked against an independent connected-components computation
(scipy.sparse.csgraph) and against the layout itself at the boundary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from bellsense import backends
from bellsense.backends.layout import ghz_tree_layout, good_graph, largest_good_component
from bellsense.cli import main

SPEC = """name = "width"
[probe]
states = ["{state}"]
n = [{n}]
[sensing]
t = [0.0]
[measure]
quantities = ["bell"]
[run]
shots = 100
seed = 1
backend = "{backend}"
"""


@pytest.fixture(scope="module")
def torino():
    return backends.resolve_backend("fake_torino")


def _write(tmp_path: Path, n: int, state: str = "ghz", backend: str = "fake_torino") -> Path:
    path = tmp_path / f"{state}_{n}.toml"
    path.write_text(SPEC.format(state=state, n=n, backend=backend), encoding="utf-8")
    return path


@pytest.mark.parametrize("drop", [0.0, 0.1])
def test_largest_component_matches_scipy_and_bounds_the_ghz_tree(torino, drop: float):
    device = torino.device
    adj, _ = good_graph(device, drop)
    nodes = sorted(adj)
    index = {q: i for i, q in enumerate(nodes)}
    rows = [index[a] for a in adj for b in adj[a]]
    cols = [index[b] for a in adj for b in adj[a]]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    biggest = {nodes[i] for i in np.flatnonzero(labels == np.argmax(sizes))}
    component = largest_good_component(device, drop)
    assert set(component) == biggest and len(component) == sizes.max()
    # the boundary is exact for the GHZ tree: n = size fits (on that component), n = size + 1 does not
    tree = ghz_tree_layout(device, len(component), drop)
    assert set(tree.physical) == set(component)
    with pytest.raises(ValueError, match="no connected set"):
        ghz_tree_layout(device, len(component) + 1, drop)


def test_check_refuses_more_qubits_than_the_device(tmp_path: Path, capsys: pytest.CaptureFixture[str], torino):
    path = _write(tmp_path, 140)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    size = len(largest_good_component(torino.device))
    assert err.count("\n") == 0  # one line
    assert err.startswith(f"bellsense: error: {path}: device stage cannot place ghz at n = 140 (probe.n; "
                          "run.backend = 'fake_torino'): fake_torino has 133 qubits")
    assert f"allowed: n <= {size} on it" in err


@pytest.mark.parametrize("state, shape", [("ghz", "GHZ tree"), ("dicke", "chain")])
def test_check_refuses_a_layout_that_does_not_fit_the_coupling_map(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   torino, state: str, shape: str):
    size = len(largest_good_component(torino.device))
    assert size < torino.num_qubits  # the coupling map, not the qubit count, is the limit here
    path = _write(tmp_path, size + 1, state)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"{path}: device stage cannot place {state} at n = {size + 1} (probe.n; run.backend = 'fake_torino')" in err
    assert f"no {shape} of {size + 1} qubits fits its coupling map" in err
    assert f"allowed: n <= {size} on fake_torino" in err
    # what the message allows does pass the check
    ok = _write(tmp_path, size, "ghz")
    assert main(["check", str(ok)]) == 0
    assert f"ghz n = {size}" in capsys.readouterr().out


def test_run_refuses_before_anything_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str], torino):
    size = len(largest_good_component(torino.device))
    out = tmp_path / "out"
    assert main(["run", str(_write(tmp_path, size + 1)), "--out", str(out), "--no-progress"]) == 2
    assert "device stage cannot place ghz" in capsys.readouterr().err
    assert not out.exists()


def test_aer_and_fitting_device_specs_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check", str(_write(tmp_path, 140, backend="aer"))]) == 0  # no device: no coupling-map limit
    assert main(["check", str(_write(tmp_path, 100, backend="fake_kingston"))]) == 0
    capsys.readouterr()


def test_check_refuses_the_width_of_a_noise_device(tmp_path: Path, capsys: pytest.CaptureFixture[str], torino):
    """``[noise] device`` on backend 'aer' runs on the fake device: the same limit, named by its key."""
    size = len(largest_good_component(torino.device))
    path = _write(tmp_path, size + 1, backend="aer")
    path.write_text(path.read_text(encoding="utf-8") + '[noise]\ndevice = "fake_torino"\n', encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"device stage cannot place ghz at n = {size + 1} (probe.n; noise.device = 'fake_torino')" in err


def test_the_platform_drop_fraction_sets_the_limit(tmp_path: Path):
    """The runner checks on its own platform: a lower drop_fraction keeps more qubits and lets n = 100 fit."""
    from bellsense.errors import SetupError
    from bellsense.run.feasible import simulation_plan
    from bellsense.spec import load_spec

    spec = load_spec(_write(tmp_path, 100))
    with pytest.raises(SetupError, match=r"no GHZ tree of 100 qubits .* after dropping the worst 10%"):
        simulation_plan(spec)
    loose = backends.resolve_backend("fake_torino", drop_fraction=0.02)
    assert len(largest_good_component(loose.device, 0.02)) >= 100
    assert [f.choice for f in simulation_plan(spec, platform=loose)] == [None]  # a device: no Aer choice here


def test_each_device_point_records_the_method_of_its_own_width(tmp_path: Path):
    """A device submission is split into jobs by footprint, and each job's Aer method follows its own width:
    n = 3 runs on the density matrix (<= 8 active qubits) and n = 10 on statevector trajectories (<= 12).
    The layout records each circuit's own method and the table shows it per point (not the widest job's)."""
    from bellsense import format_table
    from bellsense.backends.sampling import DENSITY_MATRIX_MAX, SHOT_BRANCHING_MAX
    from bellsense.run import run_experiment
    from bellsense.spec import ExperimentSpec

    assert 3 <= DENSITY_MATRIX_MAX < 10 <= SHOT_BRANCHING_MAX
    spec = ExperimentSpec.from_dict({
        "name": "widths", "probe": {"states": ["ghz"], "n": [3, 10]}, "sensing": {"t": [0.0]},
        "measure": {"quantities": ["bell"]}, "run": {"backend": "fake_torino", "shots": 50, "seed": 3}})
    record = run_experiment(spec, tmp_path / "run", plots=False).record
    layout = record.layout
    assert layout is not None
    methods = {}
    for entry in record.circuits:
        info = layout["circuits"][entry.pub]
        methods[len(info["physical_qubits"])] = info["simulation"]["method"]
    assert methods == {3: "density_matrix", 10: "statevector"}
    table = format_table(record)
    assert "simulation: density_matrix (3 active qubits" in table
    assert "simulation: statevector (10 active qubits" in table


def test_run_drop_fraction_widens_what_check_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str], torino):
    """``[run] drop_fraction`` reaches the layout: n = 100 on fake_torino (133 qubits) does not fit the default
    good set (drop 0.1) but fits with drop 0.02, as the independent component count says; bad values exit 2."""
    default = len(largest_good_component(torino.device))
    low = len(largest_good_component(torino.device, 0.02))
    assert default < 100 <= low <= torino.num_qubits
    path = _write(tmp_path, 100, "ghz")
    assert main(["check", str(path)]) == 2
    assert "a lower run.drop_fraction" in capsys.readouterr().err
    text = path.read_text().replace('backend = "fake_torino"', 'backend = "fake_torino"\ndrop_fraction = 0.02')
    path.write_text(text)
    assert main(["check", str(path)]) == 0
    assert "ghz n = 100" in capsys.readouterr().out
    for bad in ("1.0", "-0.1", '"x"'):
        path.write_text(text.replace("drop_fraction = 0.02", f"drop_fraction = {bad}"))
        assert main(["check", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "run.drop_fraction" in err and "[0, 1)" in err, err
    path.write_text(text.replace('backend = "fake_torino"', 'backend = "aer"'))
    assert main(["check", str(path)]) == 2
    assert "run.drop_fraction: does not apply to backend 'aer'" in capsys.readouterr().err
