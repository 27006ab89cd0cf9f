"""quality-py: the Python port of examples/scorers/quality (Go).

Its challenge is a summing task derived from the round's seed, so every validator of the round asks
the same question; each miner's answer is compared with the exact sum and the score is an
exponential moving average of answer quality kept in the state. It returns the same Scores and state
bytes as the Go example on every round: the same float operations in the same order, the same
explicit exp (never math.exp, whose last bit differs between libms), and JSON read the way Go's
encoding/json reads it (keys case-insensitive, a wrongly typed value an error).

Build it with `subnetd plugin build examples/scorers/quality-py`.
"""

import math
import _operator  # operator.py itself would be one more module to load at every call

import subnetd

SYNAPSE = "SumTask"
TASK_LEN = 16
ALPHA = 0.3
KEEP = 0.7  # 1 - ALPHA, written out as the float64 nearest 0.7, as in the Go example
TIMEOUT_MS = 12000
_M64 = (1 << 64) - 1


class Invalid(Exception):
    """A JSON value of the wrong type, where Go's json.Unmarshal returns an error."""


@subnetd.challenge
def challenge(req):
    return subnetd.Challenge(SYNAPSE, task_from_seed(req.seed), TIMEOUT_MS)


def task_from_seed(seed_hex):
    """Expands the seed into TASK_LEN numbers in [0, 1000) with two decimals (splitmix64)."""
    h = seed_hex[2:] if seed_hex.startswith("0x") else seed_hex
    if len(h) % 2 or len(h) < 16 or h.strip("0123456789abcdefABCDEF"):
        raise ValueError("quality: round seed %r is not hex of at least 8 bytes" % seed_hex)
    seed = bytes.fromhex(h)
    x = int.from_bytes(seed[:8], "little")
    numbers = []
    for _ in range(TASK_LEN):
        x = (x + 0x9E3779B97F4A7C15) & _M64
        z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        z ^= z >> 31
        numbers.append(float(z % 100000) / 100)
    return {"task": "sum", "id": seed[:8].hex(), "numbers": numbers}


def go_float(v):
    """A JSON number as Go reads it into a float64 (Invalid for other types or out of range)."""
    if type(v) is float:
        if v in (math.inf, -math.inf):
            raise Invalid("number out of range")
        return v
    if type(v) is int:
        try:
            return float(v)
        except OverflowError:
            raise Invalid("number out of range")
    raise Invalid("not a number")


def go_string(v, default=""):
    if v is None:
        return default
    if type(v) is not str:
        raise Invalid("not a string")
    return subnetd.fix_string(v)


@subnetd.score
def score(r):
    c = r.challenge
    if c is None:
        raise ValueError("quality: the round carries no challenge")
    try:
        if not isinstance(c, dict):
            raise Invalid("not an object")
        task = ""
        for v in subnetd.go_fields(c, "task"):
            task = go_string(v, task)
        for v in subnetd.go_fields(c, "id"):
            go_string(v)
        numbers = []
        for v in subnetd.go_fields(c, "numbers"):
            if v is None:
                numbers = []
            elif isinstance(v, list):
                # Go decodes a repeated array into the old elements: a null keeps the old value.
                numbers = [(numbers[i] if i < len(numbers) else 0.0) if x is None else go_float(x)
                           for i, x in enumerate(v)]
            else:
                raise Invalid("numbers is not an array")
    except Invalid as e:
        raise ValueError("quality: challenge is not a sum task: %s" % e)
    if task != "sum":
        raise ValueError("quality: challenge is not a sum task")
    want = 0.0
    for v in numbers:
        want += v
    prev = read_state(r.state)
    scores = []
    nxt = []
    for m in r.miners:
        uid = m.uid
        ema = quality(m, want)
        p = prev.get(uid)
        if p is not None and p[1] == m.hotkey:
            ema = ALPHA * ema + KEEP * p[2]
        nxt.append((uid, m.hotkey, ema))
        scores.append((uid, ema))
    nxt.sort(key=_first)  # stable, by uid, as the Go example's sort
    return subnetd.Scores(scores, encode_state(nxt))


_first = _operator.itemgetter(0)


def encode_state(nxt):
    """Encodes the (uid, hotkey, ema) entries as Go's json.Marshal of []past: a JSON array of
    {"uid":U,"hotkey":H,"ema":E} objects, in that field order."""
    fs, ff = subnetd.format_string, subnetd.format_float
    return ("[" + ",".join([f'{{"uid":{u},"hotkey":{fs(h)},"ema":{ff(e)}}}' for u, h, e in nxt])
            + "]").encode("utf-8")


def read_state(b):
    """Reads last round's state as Go's json.Unmarshal into []past does: unreadable JSON or a
    non-array starts fresh; a wrongly typed field or element is left at its zero value."""
    prev = {}
    if not b:
        return prev
    try:
        ps = subnetd.loads(b)
    except ValueError as e:
        subnetd.log(subnetd.WARN, "quality: state unreadable, starting fresh: %s" % e)
        return prev
    if not isinstance(ps, list):
        subnetd.log(subnetd.WARN, "quality: state unreadable, starting fresh: not an array")
        return prev
    for e in ps:
        uid, hotkey, ema = 0, "", 0.0
        if isinstance(e, dict):
            for v in subnetd.go_fields(e, "uid"):
                if type(v) is int and 0 <= v <= 65535:
                    uid = v
            for v in subnetd.go_fields(e, "hotkey"):
                if type(v) is str:
                    hotkey = subnetd.fix_string(v)
            for v in subnetd.go_fields(e, "ema"):
                try:
                    if v is not None:
                        ema = go_float(v)
                except Invalid:
                    pass
        prev[uid] = (uid, hotkey, ema)
    return prev


def quality(m, want):
    """Rates one miner's answer against the exact sum."""
    if m.status != 200 or not isinstance(m.response, dict):
        return 0.0
    got = None
    try:
        for v in subnetd.go_fields(m.response, "answer"):
            got = None if v is None else go_float(v)
    except Invalid:
        return 0.0
    if got is None:
        return 0.0
    d = abs(want)
    rel = abs(got - want) / (d if d > 1.0 else 1.0)
    return exp_neg(-20.0 * rel)


# The constants of exp_neg, given exactly (hex floats) as the Go and AssemblyScript versions give
# their bits: 0x3ff71547652b82fe, 0x3fe62e42fee00000, 0x3dea39ef35793c76.
LOG2E = float.fromhex("0x1.71547652b82fep+0")
LN2_HI = float.fromhex("0x1.62e42fee00000p-1")
LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")


def exp_neg(x):
    """e^x for x <= 0 with +, -, *, / and floor only, each rounded once: the same bits as the Go
    expNeg (see examples/scorers/quality/main.go for the method)."""
    if x != x:
        return x
    if x < -745.5:
        return 0.0
    if x > 0:
        x = 0.0
    k = float(math.floor(x * LOG2E + 0.5))
    r = (x - k * LN2_HI) - k * LN2_LO
    # p = 1 + p*r/i for i = 14 down to 1, written out (the same operations, in the same order).
    # The constants are floats: float op float is CPython's fast path (1 + x with an int 1 first
    # tries int.__add__), and the results are the same bits (small ints convert exactly).
    p = 1.0 + r / 14.0  # p*r with p = 1 is r exactly
    p = 1.0 + (p * r) / 13.0
    p = 1.0 + (p * r) / 12.0
    p = 1.0 + (p * r) / 11.0
    p = 1.0 + (p * r) / 10.0
    p = 1.0 + (p * r) / 9.0
    p = 1.0 + (p * r) / 8.0
    p = 1.0 + (p * r) / 7.0
    p = 1.0 + (p * r) / 6.0
    p = 1.0 + (p * r) / 5.0
    p = 1.0 + (p * r) / 4.0
    p = 1.0 + (p * r) / 3.0
    p = 1.0 + (p * r) / 2.0
    p = 1.0 + (p * r) / 1.0
    if k < -1021:
        return (p * math.ldexp(1.0, int(k) + 54)) * math.ldexp(1.0, -54)
    return p * math.ldexp(1.0, int(k))
