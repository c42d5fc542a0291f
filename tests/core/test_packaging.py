"""The install layout: layer folders import as bellsense.<layer> from anywhere."""

import pathlib
import shutil
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


def test_wheel_install_has_every_layer(tmp_path):
    # A normal (non-editable) wheel must carry the four layer folders as bellsense.<layer>.
    wheel_dir, site, source = tmp_path / "wheel", tmp_path / "site", tmp_path / "source"
    # Build from a copy: setuptools writes build/ into the source tree.
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "venv", "build", "bellsense-runs", "*.egg-info", "__pycache__"),
    )
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(wheel_dir)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheel_dir.glob("bellsense-*.whl")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    code = (
        "import bellsense, bellsense.circuits, bellsense.noise, bellsense.backends, bellsense.estimators;"
        "print(bellsense.__file__)"
    )
    # Run outside the repository so the local bellsense/ folder cannot shadow the installed one.
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(site)}
    )
    assert out.returncode == 0, out.stderr
    assert str(site) in out.stdout
