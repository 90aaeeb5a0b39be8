"""Proof files: parse and check an inclusion or consistency proof written as JSON.

A proof document uses the field names of the transparency-dev/merkle test
vectors, with hashes in standard base64 (with padding) and sizes as integers:

- inclusion: ``{"leafIdx", "treeSize", "root", "leafHash", "proof"}``
- consistency: ``{"size1", "size2", "root1", "root2", "proof"}``

``proof`` is a list of hashes; ``null`` counts as the empty list (Go writes an
empty proof that way). The vectors' own ``desc`` and ``wantErr`` fields are
ignored, so a vector file is a proof document as it stands; any other field is
refused. Subtree proofs (``start``/``end``, from the Merkle Tree Certificates
drafts) are not RFC 9162 proofs and are refused as such.

By default every hash must be 32 bytes (SHA-256), as in the ledger.
``hash_size=None`` accepts any length and leaves the judgement to the RFC 9162
algorithms, exactly as the reference verifier does; only there is the vector
whose two equal 12-byte "roots" prove a tree consistent with itself accepted.

Everything here is pure except :func:`load_proof_file`, which reads a file.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path

from govbridge.ledger.merkle import HASH_SIZE, verify_consistency, verify_inclusion

__all__ = [
    "CONSISTENCY_FIELDS",
    "INCLUSION_FIELDS",
    "ConsistencyProof",
    "InclusionProof",
    "ProofDocumentError",
    "check_proof_document",
    "load_proof_file",
    "parse_proof_document",
]

INCLUSION_FIELDS = ("leafIdx", "treeSize", "root", "leafHash", "proof")
CONSISTENCY_FIELDS = ("size1", "size2", "root1", "root2", "proof")
IGNORED_FIELDS = frozenset({"desc", "wantErr"})
SUBTREE_FIELDS = frozenset({"start", "end"})
MAX_SIZE = 2**64 - 1  # tree sizes and indices are uint64 in RFC 9162


class ProofDocumentError(ValueError):
    """A proof document is malformed: ``field`` names the culprit (None: the whole document)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason if field is None else f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Leaf ``leaf_index`` with hash ``leaf_hash`` is in the tree of ``tree_size`` with ``root``."""

    leaf_index: int
    tree_size: int
    root: bytes
    leaf_hash: bytes
    proof: tuple[bytes, ...]

    def verify(self) -> None:
        """Raise :class:`~govbridge.ledger.merkle.ProofError` unless the proof holds."""
        verify_inclusion(self.leaf_hash, self.leaf_index, self.tree_size, self.proof, self.root)

    def to_document(self) -> dict[str, object]:
        """The JSON-ready document :func:`parse_proof_document` reads back."""
        return {
            "leafIdx": self.leaf_index,
            "treeSize": self.tree_size,
            "root": _b64(self.root),
            "leafHash": _b64(self.leaf_hash),
            "proof": [_b64(h) for h in self.proof],
        }


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """The tree of ``size2`` with ``root2`` extends the tree of ``size1`` with ``root1``."""

    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: tuple[bytes, ...]

    def verify(self) -> None:
        """Raise :class:`~govbridge.ledger.merkle.ProofError` unless the proof holds."""
        verify_consistency(self.size1, self.size2, self.root1, self.root2, self.proof)

    def to_document(self) -> dict[str, object]:
        """The JSON-ready document :func:`parse_proof_document` reads back."""
        return {
            "size1": self.size1,
            "size2": self.size2,
            "root1": _b64(self.root1),
            "root2": _b64(self.root2),
            "proof": [_b64(h) for h in self.proof],
        }


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _kind_name(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _size(doc: dict[str, object], field: str) -> int:
    value = doc[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofDocumentError(field, f"must be a whole number, got {_kind_name(value)}")
    if value < 0:
        raise ProofDocumentError(field, f"must not be negative, got {value}")
    if value > MAX_SIZE:
        raise ProofDocumentError(field, f"{value} is larger than 2^64-1")
    return value


def _hash(value: object, field: str, hash_size: int | None) -> bytes:
    if not isinstance(value, str):
        raise ProofDocumentError(field, f"must be a base64 string, got {_kind_name(value)}")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProofDocumentError(field, f"is not valid base64 ({exc})") from None
    if hash_size is not None and len(raw) != hash_size:
        raise ProofDocumentError(field, f"is {len(raw)} bytes, but a hash is {hash_size} bytes")
    return raw


def _proof(doc: dict[str, object], hash_size: int | None) -> tuple[bytes, ...]:
    value = doc["proof"]
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ProofDocumentError("proof", f"must be a list of hashes, got {_kind_name(value)}")
    return tuple(_hash(h, f"proof[{i}]", hash_size) for i, h in enumerate(value))


def _fields(doc: dict[str, object], expected: tuple[str, ...], kind: str) -> None:
    for field in sorted(set(doc) - set(expected) - IGNORED_FIELDS):
        raise ProofDocumentError(field, f"is not a field of {kind}")
    for field in expected:
        if field not in doc:
            raise ProofDocumentError(field, f"is missing: {kind} needs {', '.join(expected)}")


def parse_proof_document(
    doc: object, *, hash_size: int | None = HASH_SIZE
) -> InclusionProof | ConsistencyProof:
    """Read a decoded JSON proof document; raise :class:`ProofDocumentError` naming the bad field.

    Only the form is checked here; ``.verify()`` on the result checks the proof.
    """
    if not isinstance(doc, dict):
        raise ProofDocumentError(
            None, f"a proof document must be a JSON object, got {_kind_name(doc)}"
        )
    for key in doc:
        if not isinstance(key, str):
            raise ProofDocumentError(None, f"field names must be strings, got {key!r}")
    subtree = sorted(SUBTREE_FIELDS & set(doc))
    if subtree:
        raise ProofDocumentError(
            subtree[0],
            "subtree proofs (start/end) are not RFC 9162 proofs and are not supported",
        )
    inclusion = set(INCLUSION_FIELDS) - {"proof"}
    consistency = set(CONSISTENCY_FIELDS) - {"proof"}
    has_inclusion = sorted(inclusion & set(doc))
    has_consistency = sorted(consistency & set(doc))
    if has_inclusion and has_consistency:
        raise ProofDocumentError(
            None,
            "the document mixes inclusion fields ("
            + ", ".join(has_inclusion)
            + ") with consistency fields ("
            + ", ".join(has_consistency)
            + ")",
        )
    if has_inclusion:
        _fields(doc, INCLUSION_FIELDS, "an inclusion proof")
        return InclusionProof(
            leaf_index=_size(doc, "leafIdx"),
            tree_size=_size(doc, "treeSize"),
            root=_hash(doc["root"], "root", hash_size),
            leaf_hash=_hash(doc["leafHash"], "leafHash", hash_size),
            proof=_proof(doc, hash_size),
        )
    if has_consistency:
        _fields(doc, CONSISTENCY_FIELDS, "a consistency proof")
        return ConsistencyProof(
            size1=_size(doc, "size1"),
            size2=_size(doc, "size2"),
            root1=_hash(doc["root1"], "root1", hash_size),
            root2=_hash(doc["root2"], "root2", hash_size),
            proof=_proof(doc, hash_size),
        )
    raise ProofDocumentError(
        None,
        "not a proof document: expected an inclusion proof ("
        + ", ".join(INCLUSION_FIELDS)
        + ") or a consistency proof ("
        + ", ".join(CONSISTENCY_FIELDS)
        + ")",
    )


def check_proof_document(doc: object, *, hash_size: int | None = HASH_SIZE) -> None:
    """Check a decoded JSON proof document: return if it holds, raise saying why if not.

    Raises :class:`ProofDocumentError` (a ``ValueError``) when the document is
    malformed and :class:`~govbridge.ledger.merkle.ProofError` (a ``ValueError``)
    when it is well formed but does not prove what it claims.
    """
    parse_proof_document(doc, hash_size=hash_size).verify()


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ProofDocumentError(key, "appears more than once")
        out[key] = value
    return out


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in JSON")


def load_proof_file(path: str | os.PathLike[str]) -> object:
    """Read a proof file as JSON; raise :class:`ProofDocumentError` if it is not valid JSON.

    Duplicate field names and NaN/Infinity are refused too: a proof must say one thing.
    A missing or unreadable file raises the usual ``OSError``.
    """
    data = Path(path).read_bytes()
    try:
        return json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ProofDocumentError(
            None, f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ProofDocumentError as exc:
        raise ProofDocumentError(exc.field, f"{exc.reason} in {path}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProofDocumentError(None, f"{path} is not valid JSON: {exc}") from None
