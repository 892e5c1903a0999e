"""A tiny randomly initialised BERT with the real tokenizer, so model tests run in seconds."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from transformers import BertConfig, BertModel

from core.model.scorer import base_encoder_path

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


def make_tiny_base(folder: Path, seed: int = 0) -> Path:
    """Write a 2-layer, 32-wide BERT (random weights) plus MiniLM's tokenizer to folder."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(str(folder))
    for name in TOKENIZER_FILES:
        source = base_encoder_path() / name
        if source.exists():
            shutil.copy(source, folder / name)
    return folder
