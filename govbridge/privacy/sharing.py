"""Shamir secret sharing over the prime field GF(2^127 - 1), and fixed-point numbers in it.
Pure (randomness comes from `secrets` or the caller's source).

Secure aggregation (`aggregation.py`) splits each party's vector into one share per party,
threshold t = n - 1: any n - 2 parties together learn nothing about another's input, and
the hub, which only ever receives the parties' *summed* shares, learns only the total. Any
t summed shares give the total by Lagrange interpolation at 0, so one party may drop out
after it has handed out its shares and the result is still exact.

Why written here rather than `mpyc`: mpyc runs its own TCP mesh between the parties, while
every message of a job must pass the hub's relay (recorded, inspectable); Shamir over a
Mersenne prime is forty lines of Python integers.

Numbers: a value v with `decimals` d is the integer round(v * 10^d) mod P; a field element
above P/2 reads back as negative. P has 127 bits, so sums of a billion values of up to
10^20 stay exact.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

P = 2**127 - 1
HALF = P // 2

RandBelow = Callable[[int], int]


def encode(value: int) -> int:
    return value % P


def decode(element: int) -> int:
    element %= P
    return element - P if element > HALF else element


def to_fixed(value: object, decimals: int) -> int:
    """The integer of a number (int, float, or its text) scaled by 10^decimals, rounded."""
    scaled = Decimal(str(value)).scaleb(decimals)
    return int(scaled.to_integral_value())


def from_fixed(value: int, decimals: int) -> float:
    return value / 10**decimals


def split(vector: Sequence[int], n: int, t: int,
          rand: RandBelow = secrets.randbelow) -> list[list[int]]:
    """n shares of a vector (share i at x = i + 1); any t of them give it back."""
    if not 1 <= t <= n:
        raise ValueError("threshold must be in 1..n")
    shares = [[0] * len(vector) for _ in range(n)]
    for k, secret in enumerate(vector):
        coeffs = [secret % P] + [rand(P) for _ in range(t - 1)]
        for i in range(n):
            x = i + 1
            acc = 0
            for c in reversed(coeffs):
                acc = (acc * x + c) % P
            shares[i][k] = acc
    return shares


def add(vectors: Sequence[Sequence[int]]) -> list[int]:
    """Element-wise sum of share vectors (a share of the sum)."""
    length = len(vectors[0])
    return [sum(v[k] for v in vectors) % P for k in range(length)]


def reconstruct(points: Mapping[int, Sequence[int]], t: int) -> list[int]:
    """The vector at x = 0 from at least t shares {x: share vector}."""
    if len(points) < t:
        raise ValueError(f"{len(points)} shares, {t} needed")
    xs = sorted(points)[:t]
    weights = []
    for j in xs:
        num, den = 1, 1
        for m in xs:
            if m != j:
                num = num * (-m) % P
                den = den * (j - m) % P
        weights.append(num * pow(den, P - 2, P) % P)
    length = len(points[xs[0]])
    return [sum(w * points[x][k] for w, x in zip(weights, xs, strict=True)) % P
            for k in range(length)]
