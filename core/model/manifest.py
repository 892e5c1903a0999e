"""A model folder's manifest: what it lists (every file's sha256, base model, settings, data,
code) and the check that the folder on disk is exactly what was written.

The manifest is sealed as strictly as the files it lists: ``manifest_sha256`` inside it is the
sha256 of its canonical content (every other key, JSON with sorted keys and no spaces), so an
edited value (a temperature of 0.01, another file's checksum) is refused on every load. The seal
catches edits, not a forger who recomputes it: a registered version is also compared with the
sha256 of the whole file stored in its database row (core.lifecycle.registry).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "manifest.json"
SEAL = "manifest_sha256"


class ModelLoadError(RuntimeError):
    """A model folder that is missing, incomplete, corrupt or tampered with."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_seal(manifest: dict) -> str:
    """sha256 of the manifest's canonical content, its seal left out."""
    content = {k: v for k, v in manifest.items() if k != SEAL}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_manifest(folder: Path, manifest: dict) -> dict:
    """Write ``manifest`` sealed into ``folder``; returns it as it reads back."""
    plain = json.loads(json.dumps(manifest, default=str))  # exactly what a reader will parse
    sealed = {**plain, SEAL: manifest_seal(plain)}
    (Path(folder) / MANIFEST).write_text(json.dumps(sealed, indent=2, sort_keys=True))
    return sealed


def read_verified_manifest(path: Path, registered_sha256: str | None = None) -> dict:
    """The manifest, after checking its seal and that every listed file matches its sha256.

    ``registered_sha256``: the sha256 of the manifest file recorded when the version was
    registered; the file must match it (then a manifest written before seals existed is
    accepted, since the registry vouches for it). Without it the seal is required.
    """
    if not path.is_dir():
        raise ModelLoadError(f"model folder {path} does not exist")
    try:
        raw = (path / MANIFEST).read_bytes()
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{path} has no {MANIFEST}: not a Headline Lab model folder") from exc
    if registered_sha256 is not None and hashlib.sha256(raw).hexdigest() != registered_sha256:
        raise ModelLoadError(
            f"{path / MANIFEST} differs from the one registered (modified after registration)"
        )
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{path / MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ModelLoadError(f"{path / MANIFEST} is not a JSON object")
    if SEAL in manifest or registered_sha256 is None:
        if SEAL not in manifest:
            raise ModelLoadError(f"{path / MANIFEST} has no {SEAL} seal: re-save the model with this version")
        if manifest[SEAL] != manifest_seal(manifest):
            raise ModelLoadError(f"{path / MANIFEST} was edited: its content does not match its {SEAL} seal")
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
