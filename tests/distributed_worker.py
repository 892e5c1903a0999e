"""Run by tests/test_train_distributed.py under torchrun: each rank trains, then writes its scores."""

import json
import os
import sys
from pathlib import Path

from core.training.loop import train
from tests.model_lab import tiny_config
from tests.test_train import planted_pairs

if __name__ == "__main__":
    base, out = sys.argv[1], Path(sys.argv[2])
    config = tiny_config(Path(base), epochs=2, batch_pairs=4, eval_every=3)
    result = train(config, train_pairs=planted_pairs(12))
    pairs = planted_pairs(12)
    scores = result.scorer.score(list(pairs["headline_a"])).tolist()
    rank = os.environ["RANK"]
    (out / f"rank{rank}.json").write_text(
        json.dumps(
            {
                "scores": scores,
                "steps": result.manifest["training"]["steps"],
                "world": result.manifest["training"]["world_size"],
            }
        )
    )
