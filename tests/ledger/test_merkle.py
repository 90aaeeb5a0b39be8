"""RFC 9162 Merkle math: known answers, round trips against a naive transcription
of the RFC's recursive definitions, the incremental range, the proof builder, and
the rejection of every kind of tampering.

The transparency-dev vectors are checked in test_proof_files.py, through proof files.
"""

from __future__ import annotations

import hashlib
import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govbridge.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    ProofBuilder,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# --- a naive transcription of RFC 9162 §2.1, independent of the module under test ---------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1), found the slow way."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes, §2.1.1."""
    if not hashes:
        return _sha(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = _k(len(hashes))
    return _sha(b"\x01" + ref_mth(hashes[:k]) + ref_mth(hashes[k:]))


def ref_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]), §2.1.3.1."""
    if len(hashes) == 1:
        return []
    k = _k(len(hashes))
    if m < k:
        return [*ref_path(m, hashes[:k]), ref_mth(hashes[k:])]
    return [*ref_path(m - k, hashes[k:]), ref_mth(hashes[:k])]


def ref_subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b), §2.1.4.1."""
    n = len(hashes)
    if m == n:
        return [] if whole else [ref_mth(hashes)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, hashes[:k], whole), ref_mth(hashes[k:])]
    return [*ref_subproof(m - k, hashes[k:], False), ref_mth(hashes[:k])]


@cache
def incl_shape(index: int, size: int) -> str | None:
    """Which side each sibling of an inclusion path is on, leaf first; None: no such leaf."""
    if not 0 <= index < size:
        return None
    if size == 1:
        return ""
    k = _k(size)
    if index < k:
        return incl_shape(index, k) + "R"  # type: ignore[operator]
    return incl_shape(index - k, size - k) + "L"  # type: ignore[operator]


@cache
def cons_shape(size1: int, size2: int, whole: bool = True) -> str | None:
    """The structure of a consistency proof (S: a seed hash is sent); None: no proof exists."""
    if not 0 < size1 <= size2:
        return None
    if size1 == size2:
        return "" if whole else "S"
    k = _k(size2)
    if size1 <= k:
        return cons_shape(size1, k, whole) + "R"  # type: ignore[operator]
    return cons_shape(size1 - k, size2 - k, False) + "L"  # type: ignore[operator]


@cache
def tree(n: int) -> tuple[bytes, ...]:
    """n distinct leaf hashes (distinct leaves: no two subtrees of one tree share a hash)."""
    return tuple(leaf_hash(b"entry %d" % i) for i in range(n))


@cache
def root(n: int) -> bytes:
    return ref_mth(list(tree(n)))


def flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def rejected_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], r: bytes) -> bool:
    try:
        verify_inclusion(leaf, index, size, proof, r)
    except ProofError:
        return True
    return False


def rejected_consistency(s1: int, s2: int, r1: bytes, r2: bytes, proof: list[bytes]) -> bool:
    try:
        verify_consistency(s1, s2, r1, r2, proof)
    except ProofError:
        return True
    return False


# --- known answers --------------------------------------------------------------------------------

# The reference tree used by RFC 6962 implementations (transparency-dev testonly/constants.go).
KNOWN_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
KNOWN_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_hashing_is_rfc_6962_domain_separated_sha256() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"") == _sha(b"\x00")
    assert leaf_hash(b"").hex() == KNOWN_ROOTS[0]
    assert node_hash(b"a" * 32, b"b" * 32) == _sha(b"\x01" + b"a" * 32 + b"b" * 32)
    assert leaf_hash(b"x") != node_hash(b"", b"x")  # the prefixes keep leaves and nodes apart
    assert HASH_SIZE == len(EMPTY_ROOT) == 32


def test_roots_of_the_reference_tree() -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in KNOWN_LEAVES]
    acc = CompactRange()
    assert root_from_leaf_hashes([]) == acc.root() == EMPTY_ROOT
    for n, want in enumerate(KNOWN_ROOTS, start=1):
        acc.append(leaves[n - 1])
        assert root_from_leaf_hashes(leaves[:n]).hex() == want
        assert acc.root().hex() == want
        assert ProofBuilder(leaves.__getitem__).root(n).hex() == want


# --- generated proofs round-trip for every small tree -------------------------------------------


@pytest.mark.parametrize("n", range(1, 65))
def test_every_proof_of_a_small_tree_matches_the_rfc_and_verifies(n: int) -> None:
    leaves = list(tree(n))
    assert root_from_leaf_hashes(leaves) == root(n)
    builder = ProofBuilder(leaves.__getitem__)
    assert builder.root(n) == root(n)
    for i in range(n):
        proof = inclusion_proof(leaves, i)
        assert proof == ref_path(i, leaves)
        assert builder.inclusion_proof(i, n) == proof
        assert len(proof) == len(incl_shape(i, n))  # type: ignore[arg-type]
        verify_inclusion(leaves[i], i, n, proof, root(n))
    for size1 in range(1, n + 1):
        proof = consistency_proof(leaves, size1)
        assert proof == ref_subproof(size1, leaves, True)
        assert builder.consistency_proof(size1, n) == proof
        verify_consistency(size1, n, root(size1), root(n), proof)


def test_pure_functions_accept_any_sequence() -> None:
    class Leaves:  # a Sequence without slicing
        def __init__(self, items: tuple[bytes, ...]) -> None:
            self.items = items

        def __len__(self) -> int:
            return len(self.items)

        def __getitem__(self, i: int) -> bytes:
            return self.items[i]

    leaves = Leaves(tree(13))
    assert root_from_leaf_hashes(leaves) == root(13)  # type: ignore[arg-type]
    assert inclusion_proof(leaves, 5) == inclusion_proof(list(tree(13)), 5)  # type: ignore[arg-type]
    assert consistency_proof(leaves, 6) == consistency_proof(tree(13), 6)  # type: ignore[arg-type]


def test_generation_refuses_impossible_requests() -> None:
    leaves = list(tree(5))
    for bad in (-1, 5, 6):
        with pytest.raises(ValueError, match="not a leaf of a tree of size 5"):
            inclusion_proof(leaves, bad)
    for bad in (-1, 0, 6):
        with pytest.raises(ValueError, match=r"size1 must be in 1\.\.5"):
            consistency_proof(leaves, bad)
    with pytest.raises(ValueError):
        inclusion_proof([], 0)
    assert consistency_proof(leaves, 5) == []


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), data=st.data())
def test_random_proofs_up_to_300_leaves(n: int, data: st.DataObject) -> None:
    leaves = list(tree(n))
    r = root_from_leaf_hashes(leaves)
    index = data.draw(st.integers(0, n - 1), label="index")
    size1 = data.draw(st.integers(1, n), label="size1")
    builder = ProofBuilder(leaves.__getitem__)

    proof = inclusion_proof(leaves, index)
    assert builder.inclusion_proof(index, n) == proof
    verify_inclusion(leaves[index], index, n, proof, r)

    cproof = consistency_proof(leaves, size1)
    assert builder.consistency_proof(size1, n) == cproof
    verify_consistency(size1, n, root_from_leaf_hashes(leaves[:size1]), r, cproof)

    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert rejected_inclusion(leaves[index], index, n, bad, r)
    if cproof:
        at = data.draw(st.integers(0, len(cproof) - 1), label="c-element")
        bit = data.draw(st.integers(0, 255), label="c-bit")
        bad = [*cproof[:at], flip(cproof[at], bit), *cproof[at + 1 :]]
        r1 = root_from_leaf_hashes(leaves[:size1])
        assert rejected_consistency(size1, n, r1, r, bad)


# --- the incremental range ------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 300), data=st.data())
def test_compact_range_root_equals_the_full_tree_after_every_append(
    n: int, data: st.DataObject
) -> None:
    entries = data.draw(st.lists(st.binary(max_size=8), min_size=n, max_size=n), label="entries")
    acc = CompactRange()
    hashes: list[bytes] = []
    assert acc.root() == EMPTY_ROOT
    for entry in entries:
        hashes.append(leaf_hash(entry))
        acc.append(hashes[-1])
        assert acc.size == len(hashes)
        assert len(acc.hashes) == acc.size.bit_count()
        assert acc.root() == root_from_leaf_hashes(hashes)
    if len(hashes) <= 64:
        assert acc.root() == ref_mth(hashes)


def test_compact_range_reports_each_completed_subtree_once() -> None:
    nodes: dict[tuple[int, int], bytes] = {}

    def record(level: int, index: int, h: bytes) -> None:
        assert (level, index) not in nodes
        nodes[(level, index)] = h

    leaves = list(tree(100))
    acc = CompactRange(on_node=record)
    acc.extend(leaves)
    assert len(nodes) == 100 - (100).bit_count()  # every inner perfect node of the tree
    for (level, index), h in nodes.items():
        assert level >= 1
        assert h == ref_mth(leaves[index << level : (index + 1) << level])


def test_compact_range_restarts_from_its_state() -> None:
    leaves = list(tree(77))
    first = CompactRange()
    first.extend(leaves[:50])
    again = CompactRange.from_state(first.size, first.hashes)
    again.extend(leaves[50:])
    assert again.root() == root(77)
    assert CompactRange.from_state(0, []).root() == EMPTY_ROOT
    with pytest.raises(ValueError, match="a tree of size 50 has 3 right-edge hashes, got 2"):
        CompactRange.from_state(50, first.hashes[:2])
    with pytest.raises(ValueError, match="negative"):
        CompactRange.from_state(-1, [])
    assert "size=77" in repr(again)


# --- the proof builder over a store ---------------------------------------------------------------


class CountingLeaves:
    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.reads = 0

    def __call__(self, i: int) -> bytes:
        self.reads += 1
        return self.leaves[i]


def test_builder_with_the_ranges_nodes_reads_almost_no_leaves() -> None:
    n = 1000
    leaves = list(tree(n))
    cache_: dict[tuple[int, int], bytes] = {}
    acc = CompactRange(on_node=lambda level, index, h: cache_.__setitem__((level, index), h))
    acc.extend(leaves)
    store = CountingLeaves(leaves)
    builder = ProofBuilder(store, cache_)
    cached = len(cache_)
    rng = random.Random(7)
    for _ in range(200):
        index = rng.randrange(n)
        size = rng.randrange(index + 1, n + 1)
        size1 = rng.randrange(1, size + 1)
        store.reads = 0
        proof = builder.inclusion_proof(index, size)
        assert store.reads <= 2  # the leaf's own sibling and the tree's last leaf, at most
        verify_inclusion(leaves[index], index, size, proof, builder.root(size))
        store.reads = 0
        cproof = builder.consistency_proof(size1, size)
        assert store.reads <= 3
        verify_consistency(size1, size, builder.root(size1), builder.root(size), cproof)
    assert len(cache_) == cached  # every inner node came from the cache


def test_builder_fills_its_cache_once() -> None:
    leaves = list(tree(64))
    store = CountingLeaves(leaves)
    builder = ProofBuilder(store)
    assert builder.root(64) == root(64)
    assert store.reads == 64
    store.reads = 0
    assert builder.root(64) == root(64)
    assert builder.inclusion_proof(17, 64) == ref_path(17, leaves)
    assert store.reads == 1  # only the sibling leaf; everything above is cached


def test_builder_refuses_impossible_requests() -> None:
    builder = ProofBuilder(list(tree(8)).__getitem__)
    assert builder.root(0) == EMPTY_ROOT
    assert builder.subtree_hash(1, 3) == ref_mth(list(tree(8))[1:3])  # unaligned: MTH as defined
    for start, end in ((3, 3), (4, 2), (-1, 2)):
        with pytest.raises(ValueError, match="not a non-empty range"):
            builder.subtree_hash(start, end)
    with pytest.raises(ValueError):
        builder.root(-1)
    with pytest.raises(ValueError):
        builder.inclusion_proof(8, 8)
    with pytest.raises(ValueError):
        builder.consistency_proof(0, 8)
    with pytest.raises(IndexError):  # a tree larger than the log
        builder.root(9)


# --- rejection: the edge cases and their reasons --------------------------------------------------


def test_inclusion_reasons() -> None:
    leaves = list(tree(8))
    proof = inclusion_proof(leaves, 5)
    r = root(8)
    with pytest.raises(ProofError, match=r"^index 9 is beyond tree size 8$"):
        verify_inclusion(leaves[5], 9, 8, proof, r)
    with pytest.raises(ProofError, match=r"^index 0 is beyond tree size 0$"):
        verify_inclusion(leaves[0], 0, 0, [], EMPTY_ROOT)
    with pytest.raises(ProofError, match=r"^index -1 is negative$"):
        verify_inclusion(leaves[5], -1, 8, proof, r)
    with pytest.raises(ProofError, match=r"^tree size -8 is negative$"):
        verify_inclusion(leaves[5], 5, -8, proof, r)
    with pytest.raises(
        ProofError, match=r"^proof has 2 hashes but a tree of size 8 needs 3 for leaf 5$"
    ):
        verify_inclusion(leaves[5], 5, 8, proof[:2], r)
    with pytest.raises(
        ProofError, match=r"^proof has 1 hash but a tree of size 1 needs 0 for leaf 0$"
    ):
        verify_inclusion(leaves[0], 0, 1, [leaves[0]], leaves[0])
    with pytest.raises(ProofError, match=r"^leaf hash is 0 bytes, not 32$"):
        verify_inclusion(b"", 0, 1, [], b"")
    with pytest.raises(
        ProofError,
        match=r"^calculated root 0x[0-9a-f]{64} does not match expected root 0x[0-9a-f]{64}$",
    ):
        verify_inclusion(leaves[4], 5, 8, proof, r)
    with pytest.raises(ProofError, match=r"expected root 0x00 \(1 bytes\)$"):
        verify_inclusion(leaves[5], 5, 8, proof, b"\x00")
    verify_inclusion(leaves[0], 0, 1, [], leaves[0])  # a one-leaf tree: the leaf is the root


def test_consistency_reasons() -> None:
    leaves = list(tree(8))
    proof = consistency_proof(leaves, 6)
    r6, r8 = root(6), root(8)
    with pytest.raises(ProofError, match=r"^size1 9 is greater than size2 8: a log never shrinks$"):
        verify_consistency(9, 8, r6, r8, proof)
    for size2, roots in ((0, EMPTY_ROOT), (8, r8)):
        with pytest.raises(
            ProofError, match=r"^size1 is 0: a consistency proof from the empty tree"
        ):
            verify_consistency(0, size2, EMPTY_ROOT, roots, [])
    with pytest.raises(ProofError, match=r"^size2 -1 is negative$"):
        verify_consistency(0, -1, r6, r8, [])
    with pytest.raises(
        ProofError, match=r"^both sizes are 8, so the proof must be empty, but it has 1 hash$"
    ):
        verify_consistency(8, 8, r8, r8, [r8])
    with pytest.raises(
        ProofError, match=r"^both sizes are 8 but root1 0x\w+ differs from root2 0x\w+$"
    ):
        verify_consistency(8, 8, r6, r8, [])
    verify_consistency(8, 8, r8, r8, [])
    with pytest.raises(
        ProofError, match=r"^proof is empty but a consistency proof from size 6 to size 8 needs 3$"
    ):
        verify_consistency(6, 8, r6, r8, [])
    with pytest.raises(
        ProofError,
        match=r"^proof has 4 hashes but a consistency proof from size 6 to size 8 needs 3$",
    ):
        verify_consistency(6, 8, r6, r8, [*proof, r8])
    with pytest.raises(
        ProofError, match=r"^calculated root1 0x\w+ does not match expected root1 0x\w+ \(size 6\)$"
    ):
        verify_consistency(6, 8, r8, r8, proof)
    with pytest.raises(
        ProofError, match=r"^calculated root2 0x\w+ does not match expected root2 0x\w+ \(size 8\)$"
    ):
        verify_consistency(6, 8, r6, r6, proof)
    assert issubclass(ProofError, ValueError)
    assert ProofError("why").reason == "why"


# --- rejection: tampering of every kind -----------------------------------------------------------

FLIP_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 31, 32, 33]


@pytest.mark.parametrize("n", FLIP_SIZES)
def test_every_single_bit_flip_is_rejected(n: int) -> None:
    leaves = list(tree(n))
    r = root(n)
    for i in range(n):
        proof = inclusion_proof(leaves, i)
        for at, h in enumerate(proof):
            for bit in range(256):
                bad = [*proof[:at], flip(h, bit), *proof[at + 1 :]]
                assert rejected_inclusion(leaves[i], i, n, bad, r), (i, at, bit)
    for bit in range(0, 256, 7):
        assert rejected_inclusion(flip(leaves[0], bit), 0, n, inclusion_proof(leaves, 0), r)
        assert rejected_inclusion(leaves[0], 0, n, inclusion_proof(leaves, 0), flip(r, bit))
    for size1 in range(1, n):
        proof = consistency_proof(leaves, size1)
        r1 = root(size1)
        for at, h in enumerate(proof):
            for bit in range(256):
                bad = [*proof[:at], flip(h, bit), *proof[at + 1 :]]
                assert rejected_consistency(size1, n, r1, r, bad), (size1, at, bit)
        for bit in range(0, 256, 7):
            assert rejected_consistency(size1, n, flip(r1, bit), r, proof)
            assert rejected_consistency(size1, n, r1, flip(r, bit), proof)


def _mangled(proof: list[bytes], extra: bytes) -> list[list[bytes]]:
    out = [[*proof, extra], [extra, *proof]]
    if proof:
        out += [proof[:-1], proof[1:], [*proof, proof[-1]], [proof[0], *proof]]
        out += [[*proof[:i], extra, *proof[i:]] for i in range(1, len(proof))]
        if len(proof) > 1:
            out.append(list(reversed(proof)))
    return out


@pytest.mark.parametrize("n", range(1, 65))
def test_truncated_extended_and_reordered_proofs_are_rejected(n: int) -> None:
    leaves = list(tree(n))
    r = root(n)
    for i in range(n):
        proof = inclusion_proof(leaves, i)
        for extra in (r, leaves[i], b"\x00" * 32, b""):
            for bad in _mangled(proof, extra):
                assert rejected_inclusion(leaves[i], i, n, bad, r), (i, bad)
    for size1 in range(1, n):
        proof = consistency_proof(leaves, size1)
        r1 = root(size1)
        for extra in (r, r1, b""):
            for bad in _mangled(proof, extra):
                assert rejected_consistency(size1, n, r1, r, bad), (size1, bad)
        assert rejected_consistency(size1, n, r, r1, proof)  # swapped roots


@pytest.mark.parametrize("n", range(1, 65))
def test_a_wrong_index_is_rejected(n: int) -> None:
    leaves = list(tree(n))
    r = root(n)
    for i in range(n):
        proof = inclusion_proof(leaves, i)
        for wrong in [*range(n + 3), 2**63, 2**64 - 1]:
            if wrong != i:
                assert rejected_inclusion(leaves[i], wrong, n, proof, r), (i, wrong)


@pytest.mark.parametrize("n", range(1, 41))
def test_a_wrong_size_is_rejected_unless_it_gives_the_same_path(n: int) -> None:
    """A proof binds the root, not the size: a size whose path has the very same
    shape verifies too (e.g. leaf 0 of 3 leaves and of 4). That is why a tree head
    signs the size with the root; every other wrong size is rejected."""
    leaves = list(tree(n))
    r = root(n)
    for i in range(n):
        proof = inclusion_proof(leaves, i)
        for size in range(2 * n + 3):
            if size != n:
                same = incl_shape(i, size) == incl_shape(i, n)
                assert rejected_inclusion(leaves[i], i, size, proof, r) != same, (i, size)
    for size1 in range(1, n):
        proof = consistency_proof(leaves, size1)
        r1 = root(size1)
        for wrong1 in range(n + 3):
            if wrong1 != size1:
                same = cons_shape(wrong1, n) == cons_shape(size1, n)
                assert rejected_consistency(wrong1, n, r1, r, proof) != same, (size1, wrong1)
        for wrong2 in range(2 * n + 3):
            if wrong2 != n:
                same = cons_shape(size1, wrong2) == cons_shape(size1, n)
                assert rejected_consistency(size1, wrong2, r1, r, proof) != same, (size1, wrong2)


def test_the_same_shape_example() -> None:
    leaves = list(tree(3))
    proof = inclusion_proof(leaves, 0)
    verify_inclusion(leaves[0], 0, 4, proof, root(3))  # accepted: size is not bound by the proof
    assert incl_shape(0, 3) == incl_shape(0, 4) == "RR"
