"""kill -9 in the middle of a promotion: activation is one transaction, so the model that was
active stays active, and there is never more or less than one."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from core.lifecycle import registry
from db.engine import get_sessionmaker
from db.schema import ModelVersion
from tests.model_lab import good_model, load, make_lab, publish, shifted_model

ROOT = Path(__file__).resolve().parents[1]
PROMOTE_AND_HANG = """
import sys, time
import db.model_versions as rows
from core.basics.settings import load_settings
from core.lifecycle import activation

logged = rows.add_model_event
def hang_after_logging(*args, **kwargs):  # inside the activation's transaction, before commit
    event = logged(*args, **kwargs)
    print("inside", flush=True)
    time.sleep(120)
    return event

rows.add_model_event = hang_after_logging
activation.activate(load_settings(), "v2", "ana", "promote", "killed on purpose")
"""


def test_a_promotion_killed_inside_its_transaction_changes_nothing(tmp_path):
    lab = make_lab(tmp_path / "lab")
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, shifted_model(good_model()), "v2")
    env = {
        **os.environ,
        "HEADLINE_LAB_ROOT": str(lab.root),
        "HEADLINE_LAB_SHARED_DATA": lab.shared_data,
        "HEADLINE_LAB_DATABASE_URL": lab.sqlalchemy_url,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", PROMOTE_AND_HANG], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "inside"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)

    assert registry.active_version(lab).version == "v1"
    assert registry.get_version(lab, "v2").status == "candidate"
    with get_sessionmaker(lab).begin() as session:
        active = session.scalar(select(func.count()).where(ModelVersion.status == "active"))
    assert active == 1
    assert [e.action for e in registry.events(lab, "v2")] == ["register"]  # the event rolled back too
