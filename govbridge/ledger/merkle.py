"""RFC 9162 Merkle tree math (RFC 6962 hashing) for the ledger: hashes, roots, proofs.

Written by hand on purpose: no maintained Python library offers RFC 9162
inclusion and consistency proofs together with their verification. The math is
small, has no I/O, and is tested exhaustively: against the transparency-dev/merkle
test vectors (``shared/testdata/rfc6962-merkle/``), against a naive transcription
of the RFC's recursive definitions for every tree of up to 64 leaves, and by
property tests on larger random trees.

Words used below:

- *leaf hash*: SHA-256(0x00 || entry); *node hash*: SHA-256(0x01 || left || right).
- ``MTH(D[start:end])``: the Merkle Tree Hash of RFC 9162 §2.1.1, which splits a
  list of n > 1 leaves at k, the largest power of two smaller than n.
- *perfect subtree* ``(level, index)``: the 2**level leaves starting at leaf
  ``index * 2**level``. Once all its leaves exist its hash never changes, so a
  store may cache it forever (the log is append-only).

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step. The cases the
RFC leaves open are decided as the transparency-dev reference vectors decide them:

- inclusion: ``index >= tree_size`` fails (so does every proof in an empty tree);
- consistency: ``size1 > size2`` fails; ``size1 == 0`` fails, even when
  ``size2 == 0`` (a proof from the empty tree proves nothing); ``size1 == size2``
  needs an empty proof and ``root1 == root2``.

Hash lengths: like the reference, ``verify_inclusion`` requires a 32-byte leaf
hash and nothing else checks lengths (a hash of the wrong length simply fails to
match); ``govbridge.ledger.proof_files`` requires 32-byte hashes in documents.

What a proof binds is a root hash, not a tree size: when two sizes give the leaf
(or the old tree) the same path shape, a proof for one also verifies for the
other against the same root. A tree head must therefore sign size and root
together, as RFC 9162 tree heads do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, MutableMapping, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "ProofBuilder",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string: the root of the empty tree."""

_sha256 = hashlib.sha256
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

SubtreeHash = Callable[[int, int], bytes]
"""``subtree_hash(start, end)`` returns MTH(D[start:end]) for ``0 <= start < end``."""


class ProofError(ValueError):
    """A proof does not verify; ``reason`` says why, in words a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- hashing ------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || data)."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 || left || right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): where RFC 9162 splits n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def _fold(level: list[bytes]) -> bytes:
    """MTH of a non-empty list of leaf hashes, computed level by level.

    Pairing neighbours from the left and carrying an odd last node up unchanged
    builds exactly the RFC tree: at every level the list holds the aligned
    perfect subtrees followed by at most one partial one, which is the shape the
    split at the largest power of two produces. One hash per inner node, no
    recursion: this is the fast path for everything computed from a full list.
    """
    sha = _sha256
    while len(level) > 1:
        pairs = iter(level)
        # zip stops before an odd last node, which moves up unchanged below.
        upper = [
            sha(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) & 1:
            upper.append(level[-1])
        level = upper
    return level[0]


def _leaves(hashes: Sequence[bytes], start: int, end: int) -> list[bytes]:
    if isinstance(hashes, list | tuple):
        return list(hashes[start:end])
    return [hashes[i] for i in range(start, end)]


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH (RFC 9162 §2.1.1) of a list of leaf hashes; ``EMPTY_ROOT`` for no leaves."""
    if len(hashes) == 0:
        return EMPTY_ROOT
    return _fold(_leaves(hashes, 0, len(hashes)))


# --- proof generation ---------------------------------------------------------------------------


def _inclusion_path(index: int, size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, from the leaf's sibling up to the root's."""
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            path.append(subtree_hash(mid, hi))
            hi = mid
        else:
            path.append(subtree_hash(lo, mid))
            lo = mid
    path.reverse()  # collected from the root down; the proof lists them from the leaf up
    return path


def _consistency_path(size1: int, size2: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1, for 0 < size1 <= size2."""
    path: list[bytes] = []
    lo, hi = 0, size2
    whole = True  # SUBPROOF's flag b: is [lo, hi) still a subtree whose hash the client knows?
    while size1 != hi:
        mid = lo + _split(hi - lo)
        if size1 <= mid:
            path.append(subtree_hash(mid, hi))
            hi = mid
        else:
            path.append(subtree_hash(lo, mid))
            lo = mid
            whole = False
    if not whole:
        path.append(subtree_hash(lo, hi))
    path.reverse()
    return path


def _subtree_hash_over(hashes: Sequence[bytes]) -> SubtreeHash:
    return lambda start, end: _fold(_leaves(hashes, start, end))


def inclusion_proof(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``hashes`` (RFC 9162 §2.1.3.1).

    Hashes every leaf once (O(n)); for a stored log use :class:`ProofBuilder`.
    """
    size = len(hashes)
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not a leaf of a tree of size {size}")
    return _inclusion_path(index, size, _subtree_hash_over(hashes))


def consistency_proof(hashes: Sequence[bytes], size1: int) -> list[bytes]:
    """The consistency proof from the first ``size1`` leaves to all of ``hashes`` (§2.1.4.1).

    Needs ``0 < size1 <= len(hashes)``; equal sizes give the empty proof. Hashes
    every leaf once (O(n)); for a stored log use :class:`ProofBuilder`.
    """
    size2 = len(hashes)
    if not 0 < size1 <= size2:
        raise ValueError(f"size1 must be in 1..{size2} for a tree of size {size2}, got {size1}")
    return _consistency_path(size1, size2, _subtree_hash_over(hashes))


# --- proof verification -------------------------------------------------------------------------


def _hex(value: bytes) -> str:
    text = "0x" + bytes(value).hex()
    return text if len(value) == HASH_SIZE else f"{text} ({len(value)} bytes)"


def _count(n: int) -> str:
    return f"{n} hash" if n == 1 else f"{n} hashes"


def _inclusion_proof_size(index: int, size: int) -> int:
    """Length of the inclusion proof of leaf ``index`` in a tree of ``size`` (index < size)."""
    # The levels below the node where the paths to index and to size-1 part, plus one
    # left sibling for each set bit of index above it.
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_proof_size(size1: int, size2: int) -> int:
    """Length of the consistency proof from ``size1`` to ``size2`` (0 < size1 < size2)."""
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = ((size1 - 1) >> inner).bit_count()
    # The old tree's last perfect subtree is sent, unless it is the whole old tree.
    seed = 0 if size1 == 1 << shift else 1
    return seed + inner - shift + border


def _check_size(name: str, value: int) -> None:
    if value < 0:
        raise ProofError(f"{name} {value} is negative")


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` proves leaf ``index`` with ``leaf_hash`` in the tree ``root``.

    RFC 9162 §2.1.3.2. Returns nothing when the proof holds; raises
    :class:`ProofError` saying why otherwise.
    """
    _check_size("index", index)
    _check_size("tree size", tree_size)
    if index >= tree_size:
        raise ProofError(f"index {index} is beyond tree size {tree_size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
    want = _inclusion_proof_size(index, tree_size)
    if len(proof) != want:
        raise ProofError(
            f"proof has {_count(len(proof))} but a tree of size {tree_size} needs {want}"
            f" for leaf {index}"
        )
    # Steps 2 to 5 of §2.1.3.2, as written.
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path from the leaf to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path from the leaf to the root")
    if r != root:
        raise ProofError(f"calculated root {_hex(r)} does not match expected root {_hex(root)}")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree ``root2`` of ``size2`` extends the tree ``root1`` of ``size1``.

    RFC 9162 §2.1.4.2. Returns nothing when the proof holds; raises
    :class:`ProofError` saying why otherwise.
    """
    _check_size("size1", size1)
    _check_size("size2", size2)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}: a log never shrinks")
    if size1 == 0:
        raise ProofError(
            "size1 is 0: a consistency proof from the empty tree proves nothing"
            " (RFC 9162 needs 0 < size1)"
        )
    if size1 == size2:
        if len(proof) != 0:
            raise ProofError(
                f"both sizes are {size1}, so the proof must be empty,"
                f" but it has {_count(len(proof))}"
            )
        if root1 != root2:
            raise ProofError(
                f"both sizes are {size1} but root1 {_hex(root1)} differs from root2 {_hex(root2)}"
            )
        return
    want = _consistency_proof_size(size1, size2)
    if len(proof) != want:
        have = "proof is empty" if len(proof) == 0 else f"proof has {_count(len(proof))}"
        raise ProofError(
            f"{have} but a consistency proof from size {size1} to size {size2} needs {want}"
        )
    # Steps 2 to 7 of §2.1.4.2, as written.
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: the old root is the seed
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof is longer than the path from the old tree to the new root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path from the old tree to the new root")
    if fr != root1:
        raise ProofError(
            f"calculated root1 {_hex(fr)} does not match expected root1 {_hex(root1)}"
            f" (size {size1})"
        )
    if sr != root2:
        raise ProofError(
            f"calculated root2 {_hex(sr)} does not match expected root2 {_hex(root2)}"
            f" (size {size2})"
        )


# --- appending and serving a growing log --------------------------------------------------------


class CompactRange:
    """The right edge of a growing tree: the hashes of its perfect subtrees, largest first.

    A tree of n leaves is the concatenation of one perfect subtree per set bit of
    n, so this holds at most 64 hashes whatever the size. ``append`` costs one
    node hash on average (amortised O(1), O(log n) at worst), ``root`` costs
    O(log n). Restart from storage with :meth:`from_state`.

    ``on_node(level, index, hash)``, when given, is called for every inner
    perfect subtree an append completes (level >= 1; leaves are the caller's
    own), so a store can keep them for :class:`ProofBuilder`.
    """

    __slots__ = ("_hashes", "_on_node", "_size")

    def __init__(self, on_node: Callable[[int, int, bytes], None] | None = None) -> None:
        self._size = 0
        self._hashes: list[bytes] = []
        self._on_node = on_node

    @classmethod
    def from_state(
        cls,
        size: int,
        hashes: Iterable[bytes],
        on_node: Callable[[int, int, bytes], None] | None = None,
    ) -> CompactRange:
        """A range over ``size`` leaves whose right-edge hashes (largest first) are ``hashes``."""
        edge = list(hashes)
        if size < 0:
            raise ValueError(f"tree size {size} is negative")
        if len(edge) != size.bit_count():
            raise ValueError(
                f"a tree of size {size} has {size.bit_count()} right-edge hashes, got {len(edge)}"
            )
        made = cls(on_node)
        made._size = size
        made._hashes = edge
        return made

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The right-edge perfect subtree hashes, largest (leftmost) first."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf (its leaf hash, not its data)."""
        n = self._size
        edge = self._hashes
        on_node = self._on_node
        h = leaf_hash
        level = 0
        while n & 1:  # each trailing 1 bit of n is a perfect subtree the new leaf completes
            h = _sha256(_NODE_PREFIX + edge.pop() + h).digest()
            n >>= 1
            level += 1
            if on_node is not None:
                on_node(level, n, h)
        edge.append(h)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaves in order."""
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        """MTH of all leaves so far; ``EMPTY_ROOT`` when there are none."""
        edge = self._hashes
        if not edge:
            return EMPTY_ROOT
        r = edge[-1]
        for h in reversed(edge[:-1]):
            r = _sha256(_NODE_PREFIX + h + r).digest()
        return r

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


class ProofBuilder:
    """Roots and proofs for a log kept elsewhere, without loading the whole tree.

    ``get_leaf_hash(i)`` reads leaf i's hash from the store; ``cache`` maps
    ``(level, index)`` to the hash of that inner perfect subtree (level >= 1).
    Only complete perfect subtrees are ever cached, and they never change in an
    append-only log, so any mapping will do: a dict, an LRU, a table filled by
    ``CompactRange(on_node=...)``. With the nodes cached, a root or a proof costs
    O(log n) lookups and at most a couple of leaf reads; missing nodes are
    computed from the leaves below them and added to the cache.

    The builder trusts its caller about the log's size: asking for a tree larger
    than the log makes ``get_leaf_hash`` fail on a missing leaf.
    """

    def __init__(
        self,
        get_leaf_hash: Callable[[int], bytes],
        cache: MutableMapping[tuple[int, int], bytes] | None = None,
    ) -> None:
        self._leaf = get_leaf_hash
        self._cache: MutableMapping[tuple[int, int], bytes] = {} if cache is None else cache

    def perfect_hash(self, level: int, index: int) -> bytes:
        """Hash of the perfect subtree of 2**level leaves starting at leaf index * 2**level."""
        if level == 0:
            return self._leaf(index)
        key = (level, index)
        h = self._cache.get(key)
        if h is None:
            h = node_hash(
                self.perfect_hash(level - 1, 2 * index), self.perfect_hash(level - 1, 2 * index + 1)
            )
            self._cache[key] = h
        return h

    def subtree_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for ``0 <= start < end``."""
        if not 0 <= start < end:
            raise ValueError(f"[{start}, {end}) is not a non-empty range of leaves")
        size = end - start
        if size & (size - 1) == 0 and start & (size - 1) == 0:
            level = size.bit_length() - 1
            return self.perfect_hash(level, start >> level)
        mid = start + _split(size)
        return node_hash(self.subtree_hash(start, mid), self.subtree_hash(mid, end))

    def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves; ``EMPTY_ROOT`` for size 0."""
        if size < 0:
            raise ValueError(f"tree size {size} is negative")
        return EMPTY_ROOT if size == 0 else self.subtree_hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The inclusion proof of leaf ``index`` in the tree of the first ``size`` leaves."""
        if not 0 <= index < size:
            raise ValueError(f"index {index} is not a leaf of a tree of size {size}")
        return _inclusion_path(index, size, self.subtree_hash)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """The consistency proof from the tree of ``size1`` leaves to the tree of ``size2``."""
        if not 0 < size1 <= size2:
            raise ValueError(f"size1 must be in 1..{size2} for a tree of size {size2}, got {size1}")
        return _consistency_path(size1, size2, self.subtree_hash)
