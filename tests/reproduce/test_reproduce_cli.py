"""``bellsense reproduce``: the registry, --list and the one-line exit-2 errors (nothing is computed here)."""

from __future__ import annotations

import pytest

from bellsense.errors import SetupError, SpecError
from bellsense.reproduce import PAPERS, get_paper, reproduce
from bellsense.reproduce.cli import run_cli

NAMES = ("niezgoda2021", "proctor2018", "takahashi2025", "marconi2022", "bounds")


def test_registry_names_the_four_papers():
    assert tuple(PAPERS) == NAMES
    assert {n for n, p in PAPERS.items() if p.available} == set(NAMES)
    assert "Phys. Rev. Lett. 120, 080501" in get_paper("proctor2018").citation


def test_list(capsys):
    assert run_cli(["--list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out
    assert "not yet available" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope"], "unknown paper 'nope'; allowed: niezgoda2021, proctor2018, takahashi2025, marconi2022"),
        ([], "give a paper NAME or --list"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message, capsys, tmp_path):
    assert run_cli([*argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()  # nothing written


def test_out_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert run_cli(["proctor2018", "--out", str(target), "--quick"]) == 2
    assert "is an existing file" in capsys.readouterr().err
    with pytest.raises(SetupError):
        reproduce("takahashi2025", target, quick=True)
    with pytest.raises(SpecError, match="allowed"):
        reproduce("Proctor2018", tmp_path)


def test_main_cli_registers_reproduce(capsys):
    from bellsense.cli import main

    assert main(["reproduce", "--list"]) == 0
    assert "takahashi2025" in capsys.readouterr().out
    assert main(["reproduce", "nope"]) == 2
