"""core.cli.train: a background retrain yields to the editors' scoring."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_background_retrain_runs_niced_on_bounded_threads():
    code = (
        "import os, torch\n"
        "from core.basics.settings import load_settings\n"
        "from core.cli.train import yield_to_editors\n"
        "before = os.nice(0)\n"
        "yield_to_editors(load_settings(retrain_nice=7, retrain_threads=1))\n"
        "print(os.nice(0) - before, torch.get_num_threads())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["7", "1"]
