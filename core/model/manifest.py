"""A model folder's manifest: what it lists (every file's sha256, base model, settings, data,
code) and the check that the folder on disk is exactly what was written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "manifest.json"


class ModelLoadError(RuntimeError):
    """A model folder that is missing, incomplete, corrupt or tampered with."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_verified_manifest(path: Path) -> dict:
    """The manifest, after checking every listed file exists and matches its sha256."""
    if not path.is_dir():
        raise ModelLoadError(f"model folder {path} does not exist")
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{path} has no {MANIFEST}: not a Headline Lab model folder") from exc
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{path / MANIFEST} is not valid JSON: {exc}") from exc
    for key in ("base_model", "files", "settings"):
        if key not in manifest:
            raise ModelLoadError(f"{path / MANIFEST} lacks the '{key}' entry")
    for name, expected in manifest["files"].items():
        file = path / name
        if not file.exists():
            raise ModelLoadError(f"{path}: file {name} listed in the manifest is missing")
        if sha256_file(file) != expected:
            raise ModelLoadError(
                f"{path}: {name} does not match its checksum in the manifest (modified or corrupt)"
            )
    return manifest
