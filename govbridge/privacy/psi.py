"""Private set intersection on a subject key (ID number or credit code) between two parties.

`psi.count` and `psi.intersection` use OpenMined's ECDH-PSI (`openmined-psi` 2.0.6, the
maintained C++ implementation; exact with the RAW data structure). The receiver is the
PSI client: it sends its keys blinded under its secret scalar (H(y)^b); the other party,
the server, answers with those blinded again (H(y)^ab) and its own keys blinded under its
scalar (H(x)^a). Neither scalar ever leaves its process, so the hub relaying the three
messages learns only their sizes.
- `psi.count`: the server shuffles its answer; the receiver learns |X ∩ Y| only.
- `psi.intersection`: the receiver learns which of its own subjects are in X; it learns
  nothing about X outside the intersection.
- the other party learns nothing, not even |X ∩ Y| (it sees |Y| as the request's size).
In these two the receiver's process computes the size itself and reports it to the hub,
which applies the minimum group size before anything reaches the receiving department;
a suppressed size was known, for that moment, inside the receiver's own party process.

`psi.sum` (intersection plus the sum of a column of the other side over it) combines the
intersection with additive masking, in the style of the hub-aided private join of
Google's Private Join and Compute with the homomorphic step replaced by masks: the two
parties agree a pair secret through the hub (X25519, `channel.py`). The value holder A
sends the hub, per subject x, a token HMAC(k, x) and its value masked as
v_x + PRF(k, x) mod P; the receiver B sends the hub its tokens HMAC(k, y). The hub matches
tokens, adds the masked values of the matches, and sends B the matched tokens and that
sum; B maps tokens back to its subjects and subtracts their masks. So:
- B learns the intersection and Σ v over it (the declared output), nothing of A's other rows;
- A learns nothing (it only sends);
- the hub learns |X|, |Y| and |X ∩ Y| (which it needs to apply the minimum group size
  before anything is released), never a subject or a value: tokens are keyed by a secret
  it does not hold and each masked value is uniform in GF(P).
Security rests on the hub not colluding with B (B holds k: with the hub's view it could
unmask A's values); for hubs that cannot be trusted that far the homomorphic variant
(Paillier) is the upgrade path.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from private_set_intersection.python import DataStructure, Request, Response, ServerSetup
from private_set_intersection.python import client as psi_client
from private_set_intersection.python import server as psi_server

from govbridge.privacy import channel, rules, sharing
from govbridge.privacy.protocol import (
    Aborted,
    Hub,
    HubGen,
    Me,
    Outcome,
    PartyGen,
    hub_outputs,
    of_kind,
    party_keys,
    value_of,
)

FPR = 1e-9  # unused by the RAW structure (exact), required by the API


def normalise(subject: object) -> str:
    return str(subject).strip().upper()


def subjects(me: Me) -> list[str]:
    key = me.party.key_field or ""
    return sorted({normalise(v) for r in me.rows if (v := value_of(r, key)) is not None})


def party(me: Me) -> PartyGen:
    if me.computation == "psi.sum":
        return (yield from _sum_party(me))
    if me.code == me.receiver:
        return (yield from _client(me))
    return (yield from _server(me))


def _client(me: Me) -> PartyGen:
    items = subjects(me)
    reveal = me.computation == "psi.intersection"
    client = psi_client.CreateWithNewKey(reveal)
    request = client.CreateRequest(items)
    (other,) = me.others
    yield [{"to": other, "kind": "psi_request",
            "body": channel.b64(request.SerializeToString())}]
    inbox = yield []
    setups, responses = of_kind(inbox, "psi_setup"), of_kind(inbox, "psi_response")
    if not setups or not responses:
        raise Aborted("the other party did not answer")
    setup, response = ServerSetup(), Response()
    setup.ParseFromString(channel.unb64(setups[0]["body"]))
    response.ParseFromString(channel.unb64(responses[0]["body"]))
    if not reveal:
        return {"count": int(client.GetIntersectionSize(setup, response))}
    found = sorted(items[i] for i in client.GetIntersection(setup, response))
    return {"count": len(found), "intersection": found}


def _server(me: Me) -> PartyGen:
    items = subjects(me)
    inbox = yield []
    asked = of_kind(inbox, "psi_request")
    if not asked:
        raise Aborted("the receiver sent no request")
    request = Request()
    request.ParseFromString(channel.unb64(asked[0]["body"]))
    server = psi_server.CreateWithNewKey(me.computation == "psi.intersection")
    setup = server.CreateSetupMessage(FPR, max(len(request.encrypted_elements), 1), items,
                                      DataStructure.RAW)
    response = server.ProcessRequest(request)
    yield [{"to": me.receiver, "kind": "psi_setup",
            "body": channel.b64(setup.SerializeToString())},
           {"to": me.receiver, "kind": "psi_response",
            "body": channel.b64(response.SerializeToString())}]
    return None


def _sum_party(me: Me) -> PartyGen:
    inbox = yield from party_keys(me)
    (other,) = me.others
    if other not in me.keys:
        raise Aborted("no key from the other party")
    key = me.keys[other]
    decimals = int(me.params.get("decimals", 2))
    if me.code != me.receiver:
        totals: dict[str, int] = defaultdict(int)
        clip = me.params.get("clip")
        for r in me.rows:
            subject, value = value_of(r, me.party.key_field or ""), value_of(
                r, me.party.value_field or "")
            if subject is None or value is None:
                continue
            totals[normalise(subject)] += sharing.to_fixed(
                rules.clip_value(float(value), clip) if clip else value, decimals)
        masked = sorted((channel.token(key, s), str((sharing.encode(v) + channel.mask(key, s))
                                                    % sharing.P)) for s, v in totals.items())
        yield [{"to": "hub", "kind": "masked",
                "body": {"tokens": [t for t, _ in masked], "values": [v for _, v in masked]}}]
        return None
    mine = {channel.token(key, s): s for s in subjects(me)}
    inbox = yield [{"to": "hub", "kind": "tokens", "body": sorted(mine)}]
    matched = of_kind(inbox, "matched")
    if not matched:
        raise Aborted("the hub released nothing")
    body = matched[0]["body"]
    found = sorted(mine[t] for t in body["tokens"] if t in mine)
    total = (int(body["sum"]) - sum(channel.mask(key, s) for s in found)) % sharing.P
    return {"count": len(found), "intersection": found,
            "sum": sharing.from_fixed(sharing.decode(total), decimals)}


def hub(h: Hub) -> HubGen:
    msgs = yield []
    if h.computation == "psi.sum":
        return (yield from _sum_hub(h, msgs))
    out = yield from hub_outputs(h, msgs, [h.receiver])
    found = out[h.receiver] or {}
    count = int(found.get("count", -1))
    if rules.small(count, h.min_group):
        return Outcome(rules.SUPPRESSED, None, f"intersection below the minimum group of "
                       f"{h.min_group}")
    result: dict[str, Any] = {"count": count}
    eps = h.params.get("epsilon")
    if h.computation == "psi.intersection":
        result["intersection"] = list(found.get("intersection") or [])
        eps = None  # the members are released: noise on their number would hide nothing
    elif eps:
        result["count"] = round(count + rules.laplace(rules.noise_scale(1, eps), h.uniform()))
    return Outcome(rules.COMPLETED, result, epsilon=eps)


def _sum_hub(h: Hub, msgs: list[Any]) -> HubGen:
    msgs = yield []
    if h.dropped:
        raise Aborted("a party dropped out before contributing")
    tokens = of_kind(msgs, "tokens")
    masked = of_kind(msgs, "masked")
    if not tokens or not masked:
        raise Aborted("a party sent nothing")
    values = dict(zip(masked[0]["body"]["tokens"], masked[0]["body"]["values"], strict=True))
    matched = [t for t in tokens[0]["body"] if t in values]
    if rules.small(len(matched), h.min_group):
        return Outcome(rules.SUPPRESSED, None, f"intersection below the minimum group of "
                       f"{h.min_group}")
    total = sum(int(values[t]) for t in matched) % sharing.P
    msgs = yield [{"to": h.receiver, "kind": "matched",
                   "body": {"tokens": matched, "sum": str(total)}}]
    out = yield from hub_outputs(h, msgs, [h.receiver])
    found = out[h.receiver] or {}
    if found.get("count") != len(matched):
        raise Aborted("the receiver's intersection does not match the hub's")
    result = {"count": len(matched), "intersection": list(found["intersection"]),
              "sum": found["sum"]}
    eps = h.params.get("epsilon")
    if eps:
        scale = rules.noise_scale(rules.sum_sensitivity(h.params["clip"]), eps)
        result["sum"] = round(float(result["sum"]) + rules.laplace(scale, h.uniform()), 2)
    return Outcome(rules.COMPLETED, result, epsilon=eps)
