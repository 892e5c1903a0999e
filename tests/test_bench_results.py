import json

from benchmarks import bench


def test_a_rerun_replaces_the_figures_and_keeps_the_notes_written_below_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    bench.write_results("speed-x", {"ms": 1.0}, "# Speed\n\n| ms | 1.0 |\n")
    path = tmp_path / "benchmarks" / "results" / "speed-x.md"
    path.write_text(path.read_text() + f"\n{bench.NOTES_MARK}\n\n## Alternated by hand\n\n| run | 2.0 |\n")

    bench.write_results("speed-x", {"ms": 3.0}, "# Speed\n\n| ms | 3.0 |\n")

    text = path.read_text()
    assert text.startswith("# Speed\n\n| ms | 3.0 |\n") and "| ms | 1.0 |" not in text
    assert text.endswith(f"{bench.NOTES_MARK}\n\n## Alternated by hand\n\n| run | 2.0 |\n")
    assert json.loads((tmp_path / "benchmarks" / "results" / "speed-x.json").read_text()) == {"ms": 3.0}
    bench.write_results("speed-y", {}, "# Plain\n")  # no notes: the figures alone
    assert (tmp_path / "benchmarks" / "results" / "speed-y.md").read_text() == "# Plain\n"
    assert "| ms | 3.0 |" in capsys.readouterr().out
