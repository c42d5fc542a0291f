"""The plots of a real (small) run: Figures without pyplot, PNGs written, of a sensible size, and not blank."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.figure import Figure

from bellsense import plots
from bellsense import run as runner
from bellsense.spec import ExperimentSpec


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    spec = ExperimentSpec.from_dict({
        "probe": {"states": ["ghz", "product"], "n": [2, 3]},
        "sensing": {"t": [0.0, 0.5]},
        "noise": {"dephasing": 0.1},
        "measure": {"quantities": ["fisher", "bell"]},
        "run": {"shots": 200, "seed": 5},
    })
    return runner.run_experiment(spec, tmp_path_factory.mktemp("plots") / "run", plots=True)


def test_all_three_plots_are_written_and_not_blank(run):
    names = sorted(p.name for p in run.plots)
    assert names == ["bell_vs_n.png", "fisher_vs_n.png", "gain_vs_t.png"]
    for path in run.plots:
        img = mpimg.imread(path)
        height, width = img.shape[:2]
        assert 400 <= height <= 1200 and 500 <= width <= 1500, (path.name, img.shape)
        rgb = img[..., :3]
        # Not blank: a white canvas has one colour; a plot has lines, markers and text in several colours.
        assert rgb.std() > 0.02, path.name
        ink = np.mean(np.any(rgb < 0.9, axis=-1))
        assert 0.01 < ink < 0.6, (path.name, ink)
        colours = {tuple(c) for c in (rgb[::7, ::7].reshape(-1, 3) * 16).astype(int)}
        assert len(colours) > 10, path.name


def test_plots_skip_what_has_no_data(tmp_path, run):
    # One time only: no G(t) curve; no Bell data: no E plot. Nothing is written for an empty list.
    one_t = [p for p in run.points if p.t == 0.0]
    no_bell = [p.model_copy(update={"bell_correlator": None}) for p in one_t]
    written = sorted(p.name for p in plots.save_all(no_bell, tmp_path))
    assert written == ["fisher_vs_n.png"]
    assert plots.save_all([], tmp_path / "empty") == []
    assert plots.figures([]) == {}


def test_figures_are_returned_without_a_pyplot_backend(run):
    import sys

    figs = plots.figures(run.points)
    assert sorted(figs) == ["bell_vs_n", "fisher_vs_n", "gain_vs_t"]
    assert all(isinstance(f, Figure) for f in figs.values())
    # Every curve of the exact QFI is drawn: one line per (state, t) plus the SQL and HL lines.
    lines = figs["fisher_vs_n"].axes[0].get_lines()
    assert len([ln for ln in lines if ln.get_label().startswith("QFI/N")]) == 4
    assert "matplotlib.pyplot" not in sys.modules or sys.modules["matplotlib"].get_backend() is not None
