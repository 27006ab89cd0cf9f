#!/usr/bin/python3
"""Example feature provider in Python: how close each miner's text is to a reference text.

The reference is taken from the round's challenge: its "reference" text when the challenge is a
text task ({"prompt":…,"reference":…}, as in examples/configs/providers.yaml), else the sum of
its "numbers" spelt out as "the sum is S". The feature is the cosine similarity of
character-trigram counts between a miner's text answer (its "answer" field, or "text") and that
reference; null when the miner sent no text. A real subnet would put an embedding model here: this is the place
for a GPU and native libraries, outside the deterministic sandbox. The scorer
(examples/scorers/features) turns these features and the answers into scores.
"""

import math
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "providers", "python"))
import subnetd_provider  # noqa: E402


def trigrams(text):
    t = " %s " % text.lower()
    return Counter(t[i:i + 3] for i in range(len(t) - 2))


def cosine(a, b):
    dot = sum(a[k] * b[k] for k in a if k in b)
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def reference(round_):
    challenge = round_.get("challenge") or {}
    if isinstance(challenge, dict) and isinstance(challenge.get("reference"), str):
        return challenge["reference"]
    numbers = challenge.get("numbers") if isinstance(challenge, dict) else None
    if isinstance(numbers, list) and all(isinstance(x, (int, float)) for x in numbers):
        return "the sum is %g" % sum(numbers)
    return "the answer"


def features(round_):
    ref = trigrams(reference(round_))
    out = {}
    for m in round_.get("miners", []):
        resp = m.get("response")
        text = None
        if isinstance(resp, dict):
            text = resp.get("answer") if isinstance(resp.get("answer"), str) else resp.get("text")
        if not isinstance(text, str):
            out[m["uid"]] = None
            continue
        out[m["uid"]] = {"similarity": round(cosine(trigrams(text), ref), 6)}
    return out


if __name__ == "__main__":
    subnetd_provider.serve(features)
