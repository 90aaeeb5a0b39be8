"""How a job's parties and the hub talk: lock-step rounds of messages, all through the hub.

Every computation is two generators: the party's (run in each party's own process on its
own rows, `party.py`) and the hub's (run by the relay, `relay.py`). In round k each live
party yields its outbox and is sent its inbox of round k + 1; the hub's generator is sent
the messages addressed to it in round k and yields what it tells the parties in round
k + 1. A message is `{"to": party code | "*" (every other party) | "hub", "kind", "body"}`;
the relay adds `from` and records every message it routes (the transcript), which is how a
test checks that nothing raw crosses the hub.

A party's generator returns its output (what it releases, e.g. the intersection to the
receiver); the relay hands outputs to the hub's generator as `output` messages but keeps
them out of the transcript. The hub's generator returns the outcome, or raises `Aborted`
(a party dropped out before contributing, a message was malformed): then nothing is
released. Messages between parties that carry data are encrypted to the recipient
(`channel.py`); the hub reads only what is addressed to it.

Secure aggregation as a step of any computation (`party_secure_vector`,
`hub_secure_vector`): two rounds, shares out (encrypted, one per other party), then each
party's sum of the shares it holds to the hub; the hub interpolates the total from any
n - 1 of them (`sharing.py`).
"""

from __future__ import annotations

import random
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govbridge.privacy import channel, sharing
from govbridge.privacy.rules import Party

Message = dict[str, Any]
PartyGen = Generator[list[Message], list[Message], Any]
HubGen = Generator[list[Message], list[Message], "Outcome"]


class Aborted(Exception):
    """The computation cannot finish; nothing is released. `reason` says why (no data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Me:
    """What a party's process knows: the job, its place in it, and its own rows."""

    job: str
    code: str
    parties: list[str]
    receiver: str
    computation: str
    params: dict[str, Any]
    party: Party
    rows: list[dict[str, Any]]
    min_group: int
    keys: dict[str, bytes] = field(default_factory=dict)

    @property
    def index(self) -> int:
        return self.parties.index(self.code)

    @property
    def others(self) -> list[str]:
        return [c for c in self.parties if c != self.code]


@dataclass
class Hub:
    """What the hub's generator knows: the job's definition, never a row."""

    job: str
    parties: list[str]
    receiver: str
    computation: str
    params: dict[str, Any]
    specs: dict[str, Party]
    min_group: int
    dropped: set[str] = field(default_factory=set)
    uniform: Any = field(default_factory=lambda: random.SystemRandom().random)

    @property
    def threshold(self) -> int:
        return max(len(self.parties) - 1, 2)


@dataclass(frozen=True)
class Outcome:
    """What the hub releases: `completed` with a result, or `suppressed` (output controls)
    with the reason; `noise` names the epsilon used, if any."""

    state: str
    result: dict[str, Any] | None
    reason: str | None = None
    epsilon: float | None = None


def of_kind(inbox: Sequence[Message], kind: str) -> list[Message]:
    return [m for m in inbox if m.get("kind") == kind]


def party_keys(me: Me) -> Generator[list[Message], list[Message], list[Message]]:
    """Round 1 of every computation: broadcast a fresh public key, derive pair secrets.
    Returns the next inbox."""
    pair = channel.KeyPair()
    inbox = yield [{"to": "*", "kind": "key", "body": pair.public}]
    for m in of_kind(inbox, "key"):
        if m["from"] in me.parties and m["from"] != me.code:
            me.keys[m["from"]] = pair.shared(str(m["body"]), me.job, me.code, m["from"])
    return inbox


def party_secure_vector(me: Me, vector: Sequence[int],
                        inbox: list[Message]) -> Generator[list[Message], list[Message],
                                                           list[Message]]:
    """Share `vector` (field elements) among the parties and send the hub this party's sum
    of the shares it holds. Returns the inbox of the round after (the hub's answer)."""
    n = len(me.parties)
    shares = sharing.split(list(vector), n, max(n - 1, 2) if n > 2 else n)
    out = [{"to": c, "kind": "share", "body": channel.seal(me.keys[c], shares[i])}
           for i, c in enumerate(me.parties) if c != me.code and c in me.keys]
    inbox = yield out
    held = [shares[me.index]]
    contributors = [me.code]
    for m in of_kind(inbox, "share"):
        if m["from"] in me.keys:
            held.append(channel.open_sealed(me.keys[m["from"]], str(m["body"])))
            contributors.append(m["from"])
    summed = sharing.add(held)
    return (yield [{"to": "hub", "kind": "aggregate",
                    "body": {"x": me.index + 1, "shares": [str(v) for v in summed],
                             "contributors": sorted(contributors)}}])


def hub_secure_vector(h: Hub, msgs: list[Message]) -> Generator[list[Message], list[Message],
                                                                   list[int]]:
    """The hub's side of `party_secure_vector`, entered with the messages of the round the
    parties handed out their shares. Returns the total vector (signed integers)."""
    if h.dropped:
        raise Aborted(f"{len(h.dropped)} party dropped out before contributing")
    msgs = yield []
    points: dict[int, list[int]] = {}
    everyone = sorted(h.parties)
    for m in of_kind(msgs, "aggregate"):
        body = m["body"]
        if body.get("contributors") != everyone:
            raise Aborted("a party did not receive every other party's shares")
        points[int(body["x"])] = [int(v) for v in body["shares"]]
    t = h.threshold if len(h.parties) > 2 else len(h.parties)
    if len(points) < t:
        raise Aborted(f"{len(points)} of {len(h.parties)} parties answered; {t} needed")
    return [sharing.decode(v) for v in sharing.reconstruct(points, t)]


def hub_outputs(h: Hub, msgs: list[Message],
                wanted: Sequence[str]) -> Generator[list[Message], list[Message],
                                                    dict[str, Any]]:
    """Wait until each party in `wanted` has returned its output; a party that drops out
    first aborts the job."""
    got: dict[str, Any] = {}
    while True:
        for m in of_kind(msgs, "output"):
            got[m["from"]] = m["body"]
        if all(w in got for w in wanted):
            return got
        missing = [w for w in wanted if w in h.dropped and w not in got]
        if missing:
            raise Aborted("a party dropped out before its output")
        msgs = yield []


def short_flag(me: Me, count: int) -> int:
    """1 when this party's own contribution covers fewer subjects than the floor, else 0;
    securely summed with its vector, so the hub learns how many parties are short, never
    which. A receiver that is also a party (or colludes with one) knows that party's input
    and subtracts it from the total: the rest must be a group of at least the floor too,
    which holds when every party's own contribution is."""
    return 1 if count < me.min_group else 0


def value_of(row: Mapping[str, Any], name: str) -> Any:
    value = row.get(name)
    return None if value in (None, "") else value
