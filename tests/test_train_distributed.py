"""The multi-GPU path, checked on CPU: torchrun with 2 processes (gloo), DistributedDataParallel."""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiny_model import make_tiny_base

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(240)
def test_two_ranks_train_the_same_weights(tmp_path):
    base = make_tiny_base(tmp_path / "base")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={free_port()}",
        str(ROOT / "tests" / "distributed_worker.py"), str(base), str(tmp_path),
    ]  # fmt: skip
    # Own process group, so a hang is ended with both ranks, not just the launcher.
    launcher = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _, stderr = launcher.communicate(timeout=200)
    except subprocess.TimeoutExpired:
        os.killpg(launcher.pid, signal.SIGKILL)
        raise
    run = subprocess.CompletedProcess(command, launcher.returncode, "", stderr)
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["world"] == ranks[1]["world"] == 2
    # 12 tests -> ~10 training pairs -> 3 batches of 4 -> 1 step per rank per epoch, 2 epochs
    assert ranks[0]["steps"] == ranks[1]["steps"] >= 1
    # gradients were averaged across ranks, so both ranks hold identical weights
    assert ranks[0]["scores"] == pytest.approx(ranks[1]["scores"], abs=1e-6)
