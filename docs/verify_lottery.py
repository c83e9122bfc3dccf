#!/usr/bin/env python3
"""Check a SmartUnion lottery from its published data alone (Python 3.8 or later, standard library only).

    python3 verify_lottery.py draw.json
    python3 verify_lottery.py https://example.org/api/v1/activities/12/draw --token <API token>
    python3 verify_lottery.py - < draw.json

The input is the JSON answer of GET /api/v1/activities/{id}/draw. The script recomputes, as docs/lottery.md defines:

1. SHA-256 of the seed against the commitment published when the lottery was created;
2. SHA-256 of the entrant list against the published entrants_hash;
3. the winners of each prize tier from the seed and the list, against the published winners.

It prints OK and exits 0 when everything matches; otherwise it prints each difference and exits 1 (2 when the data
cannot be read or the lottery has not been drawn yet). This file deliberately imports nothing from SmartUnion: it is
an independent reimplementation of the algorithm.
"""

import hashlib
import json
import sys
import urllib.request

SPACE = 1 << 256


def list_hash(lines):
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def uniform_index(seed, entrants_hash, draw, size):
    limit = SPACE - SPACE % size
    attempt = 0
    while True:
        message = f"{seed}:{entrants_hash}:{draw}:{attempt}".encode("ascii")
        number = int.from_bytes(hashlib.sha256(message).digest(), "big")
        if number < limit:
            return number % size
        attempt += 1


def select_winners(seed, entrants_hash, size, counts):
    positions = list(range(size))
    total = min(sum(counts), size)
    for i in range(total):
        j = i + uniform_index(seed, entrants_hash, i, size - i)
        positions[i], positions[j] = positions[j], positions[i]
    tiers, start = [], 0
    for count in counts:
        end = min(start + count, total)
        tiers.append(positions[start:end])
        start = end
    return tiers


def ticket_of(line):
    return int(line.split(" ", 1)[0])


def check(data):
    """The list of differences (empty: everything matches)."""
    problems = []
    seed, lines = data["seed"], data["entrants"]
    if hashlib.sha256(seed.encode("ascii")).hexdigest() != data["commitment"]:
        problems.append("seed: SHA-256 of the seed does not match the commitment {}".format(data["commitment"]))
    recomputed = list_hash(lines)
    if recomputed != data["entrants_hash"]:
        problems.append("entrants_hash: the list hashes to {}, published {}".format(recomputed, data["entrants_hash"]))
    tickets = [ticket_of(line) for line in lines]
    if len(set(tickets)) != len(tickets) or tickets != sorted(tickets):
        problems.append("entrants: ticket numbers are not unique and ascending")
    prizes = sorted(data["prizes"], key=lambda p: p["rank"])
    picks = select_winners(seed, recomputed, len(lines), [p["count"] for p in prizes])
    published = data.get("winners") or []
    for index, prize in enumerate(prizes):
        positions = picks[index]
        want = sorted(tickets[p] for p in positions)
        got = sorted(w["ticket"] for w in published if w["rank"] == prize["rank"])
        if want != got:
            problems.append("winners of rank {} ({}): expected tickets {}, published {}".format(
                prize["rank"], prize["name"], want, got))
    known = {p["rank"] for p in prizes}
    for winner in published:
        if winner["rank"] not in known:
            problems.append("winner ticket {} has an unknown rank {}".format(winner["ticket"], winner["rank"]))
    return problems


def load(source, token=None):
    if source == "-":
        return json.load(sys.stdin)
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": "application/json"})  # noqa: S310 (http/s only)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    with open(source, encoding="utf-8") as handle:
        return json.load(handle)


def main(argv):
    args = list(argv)
    token = None
    if "--token" in args:
        at = args.index("--token")
        token = args[at + 1] if at + 1 < len(args) else None
        del args[at:at + 2]
    if len(args) != 1:
        print(__doc__.strip().split("\n\n")[1])
        return 2
    try:
        data = load(args[0], token)
    except (OSError, ValueError) as exc:
        print(f"cannot read the published data: {exc}")
        return 2
    if not data.get("seed") or data.get("entrants") is None:
        print("not drawn yet: only the commitment {} is published".format(data.get("commitment")))
        return 2
    problems = check(data)
    if problems:
        for problem in problems:
            print("DIFFERS " + problem)
        return 1
    print("OK lottery {}: seed matches the commitment, {} entrants hash to {}, {} winners recomputed".format(
        data.get("activity_id"), len(data["entrants"]), data["entrants_hash"], len(data.get("winners") or [])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
