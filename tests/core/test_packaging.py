"""The install layout: layer folders import as bellsense.<layer> from anywhere."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_layers_import_from_repository_root():
    # The trap of ARCHITECTURE.md: a non-editable install shadowed by the local bellsense/ folder.
    code = "import bellsense.circuits, bellsense.noise, bellsense.backends, bellsense.estimators"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- ci:main-job -->" in readme and "<!-- ci:tests -->" in readme
    assert "readme_command main-job" in ci and "readme_command tests" in ci
    assert "pytest" in readme
