"""subnetd: the Python kit for subnetd scorers (ABI v1, command form).

A scorer is a file scorer.py that registers one function::

    import subnetd

    @subnetd.score
    def score(round: subnetd.Round) -> subnetd.Scores:
        return subnetd.Scores({m.uid: 1.0 for m in round.miners if m.status == 200})

and optionally a challenge function with ``@subnetd.challenge``. ``subnetd plugin build`` packs
CPython for WASI, this module and every .py file of the project into one command scorer: the host
runs ``main()`` with the call name ("score" or "challenge") as the last argument, the Round (or
ChallengeRequest) message on stdin, and reads the output message from stdout. A failure exits 1
with one line, ``Type: message``, as the last line on stderr. ``print`` writes to stderr, so it
logs (capped by the host like any log) and never corrupts the output.

The output is byte-identical to what the Go kit (pdk/go, encoding/json) writes for the same
values: floats in Go's shortest form (``format_float``), strings escaped as Go escapes them, and
``dumps`` encodes any state the same way, so a scorer ported from Go keeps its state bytes.
"""

import binascii
import codecs
import math
import sys

import _json  # the C scanner json.loads uses; importing json itself would pull in re and enum

# The kit imports only built-in modules: every import is paid at every call, since each round
# starts a fresh interpreter.

ABI_VERSION = 1

DEBUG, INFO, WARN, ERROR = 0, 1, 2, 3
_LEVELS = ("debug", "info", "warn", "error")

_registry = {}


class Validator:
    """The validator running a round."""

    __slots__ = ("uid", "hotkey")

    def __init__(self, uid=0, hotkey=""):
        self.uid = uid
        self.hotkey = hotkey


class Miner:
    """One miner's entry in a Round. In a ChallengeRequest only uid, hotkey and stake are set."""

    __slots__ = ("uid", "hotkey", "stake", "status", "latency_ms", "response", "features")

    def __init__(self, uid=0, hotkey="", stake=0.0, status=0, latency_ms=0.0, response=None, features=None):
        self.uid = uid
        self.hotkey = hotkey
        self.stake = stake
        self.status = status
        self.latency_ms = latency_ms
        # response is the miner's JSON answer, decoded (None when it gave none).
        self.response = response
        # features are the feature providers' findings on this miner, decoded, by provider name
        # (None for a provider that failed or said nothing of it); {} when the subnet has no
        # providers (docs/PROVIDERS.md).
        self.features = features if features is not None else {}


class Round:
    """The input of one scoring call. ``challenge`` is the decoded body sent to the miners (None
    when none); ``state`` is the bytes this scorer returned as state last round (b"" at first)."""

    __slots__ = ("abi", "netuid", "block", "block_hash", "block_time_ms", "seed", "validator",
                 "challenge", "miners", "state")

    def __init__(self, abi=ABI_VERSION, netuid=0, block=0, block_hash="", block_time_ms=0, seed="",
                 validator=None, challenge=None, miners=(), state=b""):
        self.abi = abi
        self.netuid = netuid
        self.block = block
        self.block_hash = block_hash
        self.block_time_ms = block_time_ms
        self.seed = seed
        self.validator = validator if validator is not None else Validator()
        self.challenge = challenge
        self.miners = list(miners)
        self.state = state


class ChallengeRequest(Round):
    """The input of the optional challenge function: a Round without challenge whose miners carry
    only uid, hotkey and stake."""

    __slots__ = ()


class Scores:
    """The output of one scoring call.

    ``scores`` maps uid to a finite score >= 0 (a dict, or a list of (uid, score) pairs kept in
    that order); a uid left out scores 0. ``state`` (bytes, str, or any value ``dumps`` encodes)
    is handed back in the next Round.
    """

    __slots__ = ("scores", "state")

    def __init__(self, scores=None, state=b""):
        self.scores = scores if scores is not None else {}
        self.state = state


class Challenge:
    """What the validator sends to every serving miner: the synapse name, the JSON body (any value
    ``dumps`` encodes) and the per-miner deadline (0 leaves the subnet's default)."""

    __slots__ = ("synapse", "body", "timeout_ms")

    def __init__(self, synapse, body, timeout_ms=0):
        self.synapse = synapse
        self.body = body
        self.timeout_ms = timeout_ms


def score(fn):
    """Registers fn(Round) -> Scores as this scorer's score function (usable as a decorator)."""
    _registry["score"] = fn
    return fn


def challenge(fn):
    """Registers fn(ChallengeRequest) -> Challenge as the challenge function (a decorator)."""
    _registry["challenge"] = fn
    return fn


def log(level, msg):
    """Writes one log line to stderr ("warn: msg"); the host keeps it, capped, with the call."""
    name = _LEVELS[level] if 0 <= level < len(_LEVELS) else str(level)
    sys.stderr.write(name + ": " + str(msg).replace("\n", " ") + "\n")


# ---- Go-compatible JSON output ----

def format_float(f):
    """Formats a finite float exactly as Go's encoding/json does: the shortest digits that read
    back as f, in fixed notation unless |f| < 1e-6 or |f| >= 1e21, then as 1.5e-7 / 1e+21."""
    r = _FORMATTED.get(f)
    if r is not None and f != 0:  # 0.0 == -0.0 as keys, but Go writes "0" and "-0"
        return r
    r = _format_float(f)
    _FORMATTED[f] = r
    return r


# format_float's results: a scorer often writes the same float twice (score and state), and the
# shortest-digits conversion costs far more in Wasm than a lookup. A call is one interpreter, so
# the memo lives no longer than one call.
_FORMATTED = {}


def _format_float(f):
    r = repr(f)  # the shortest digits that read back as f, as Go's strconv with precision -1
    if "e" not in r:
        # 1e-4 <= |f| < 1e16 (or 0): repr is already Go's fixed notation, but for a trailing ".0".
        if r[-2:] == ".0":
            return r[:-2]
        if r[-1] == "n" or r[-1] == "f":
            raise ValueError("json: unsupported value: " + r)
        return r
    sign = ""
    if r[0] == "-":
        sign, r = "-", r[1:]
    mant, _, exp = r.partition("e")
    point = mant.find(".")
    if point < 0:
        point = len(mant)
    digits = mant.replace(".", "")
    point += int(exp) if exp else 0
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        e = point - 1
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return sign + m + ("e-%d" % -e if e < 0 else "e+%02d" % e)
    n = len(digits)
    if point <= 0:
        return sign + "0." + "0" * -point + digits
    if point >= n:
        return sign + digits + "0" * (point - n)
    return sign + digits[:point] + "." + digits[point:]


def _escape_char(c):
    o = ord(c)
    if c == '"' or c == "\\":
        return "\\" + c
    if o < 0x20:
        return {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(o, "\\u%04x" % o)
    if c in "<>&":
        return "\\u%04x" % o
    if o == 0x2028 or o == 0x2029:
        return "\\u%04x" % o
    if 0xD800 <= o <= 0xDFFF:
        return "\\ufffd"  # a lone surrogate: Go writes invalid UTF-8 as U+FFFD
    return c


def format_string(s):
    """Quotes s as Go's encoding/json does (HTML-safe: <, >, & and U+2028/9 escaped)."""
    if s.isascii() and s.isprintable() and not ('"' in s or "\\" in s or "<" in s or ">" in s or "&" in s):
        return '"' + s + '"'
    return '"' + "".join(_escape_char(c) for c in s) + '"'


def dumps(v, sort_keys=False):
    """Encodes v as compact JSON byte-identical to Go's json.Marshal of the same values: dicts
    keep their insertion order (a Go struct's field order; sort_keys=True gives a Go map's
    order), floats as format_float, bytes as base64 strings. Returns bytes."""
    return _encode(v, sort_keys, {}).encode("utf-8")


def _encode(v, sort_keys, keys):
    # keys caches the encoded "key": of each object key: a state repeats the same few keys.
    t = type(v)
    if t is float:
        return format_float(v)
    if t is str:
        return format_string(v)
    if t is int:
        return int.__repr__(v)
    if t is dict or (t is not list and t is not tuple and isinstance(v, dict)):
        parts = []
        for k, x in (sorted(v.items()) if sort_keys else v.items()):
            key = keys.get(k)
            if key is None:
                if not isinstance(k, str):
                    raise TypeError("json: object key %r is not a string" % (k,))
                key = keys[k] = format_string(str(k)) + ":"
            tx = type(x)
            if tx is float:
                parts.append(key + format_float(x))
            elif tx is str:
                parts.append(key + format_string(x))
            elif tx is int:
                parts.append(key + int.__repr__(x))
            else:
                parts.append(key + _encode(x, sort_keys, keys))
        return "{" + ",".join(parts) + "}"
    if t is list or t is tuple or isinstance(v, (list, tuple)):
        return "[" + ",".join([_encode(x, sort_keys, keys) for x in v]) + "]"
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        return format_float(float(v))
    if isinstance(v, str):
        return format_string(str(v))
    if isinstance(v, (bytes, bytearray)):
        return '"' + binascii.b2a_base64(bytes(v), newline=False).decode("ascii") + '"'
    raise TypeError("json: unsupported type " + type(v).__name__)


# ---- Go-compatible JSON input ----

class Object(dict):
    """A decoded JSON object whose text repeated a key: pairs keeps every (key, value) in order,
    so go_field can see what Go sees (Go assigns a struct field once per matching key)."""

    __slots__ = ("pairs",)


def _object(pairs):
    d = dict(pairs)
    if len(d) != len(pairs):
        d = Object(d)
        d.pairs = pairs
    return d


def _go_replace(e):
    # Go's decoder replaces invalid UTF-8 byte by byte with U+FFFD; Python's "replace" would
    # take a truncated sequence as one.
    return "\ufffd", e.start + 1


codecs.register_error("subnetd-go", _go_replace)


def loads(b):
    """Decodes JSON like json.loads (objects as dicts, keeping repeated keys for go_field), but
    as Go does where they differ: invalid UTF-8 reads as U+FFFD, and nesting deeper than
    Python's recursion limit (Go reads up to 10000 levels) is decoded too."""
    if isinstance(b, (bytes, bytearray)):
        b = b.decode("utf-8", "subnetd-go")
    try:
        return _scan_all(b)
    except RecursionError:
        return _loads_flat(b)


def _no_constant(name):
    raise ValueError("invalid JSON: %s" % name)


class _Context:
    # What _json.make_scanner reads: strict JSON, Go's number reading, objects via _object.
    strict = True
    object_hook = None
    object_pairs_hook = staticmethod(_object)
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_no_constant)
    memo = {}


_scan = _json.make_scanner(_Context())
_WS = " \t\n\r"


def _scan_all(s):
    i = len(s) - len(s.lstrip(_WS))
    try:
        v, end = _scan(s, i)
    except StopIteration as e:
        raise ValueError("invalid JSON at offset %d" % e.value) from None
    if s[end:].strip(_WS):
        raise ValueError("invalid JSON at offset %d: extra data" % end)
    return v


_TOKEN = None


def _loads_flat(s):
    # An iterative decoder for deeply nested input: the scalars are decoded by json itself.
    import re
    global _TOKEN
    if _TOKEN is None:
        _TOKEN = re.compile(r'[ \t\n\r]*(?:([\[\]{},:])|("(?:[^"\\\x00-\x1f]|\\.)*")'
                            r'|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null))')
    stack = []  # [container, pending key] frames
    result, done, pos, n = None, False, 0, len(s)
    expect_key = False
    while True:
        m = _TOKEN.match(s, pos)
        if m is None:
            if done and s[pos:].strip(" \t\n\r") == "":
                return result
            raise ValueError("invalid JSON at offset %d" % pos)
        pos = m.end()
        if done:
            raise ValueError("invalid JSON at offset %d: extra data" % m.start())
        punct, string, scalar = m.group(1), m.group(2), m.group(3)
        if punct in ("[", "{"):
            stack.append([[] if punct == "[" else [], None, punct])
            expect_key = punct == "{"
            continue
        if punct in (",", ":"):
            expect_key = punct == "," and stack and stack[-1][2] == "{"
            continue
        if punct in ("]", "}"):
            items, _, kind = stack.pop()
            value = items if kind == "[" else _object(items)
        elif string is not None:
            value = _scan_all(string)
            if expect_key:
                stack[-1][1] = value
                expect_key = False
                continue
        else:
            value = _scan_all(scalar)
        if not stack:
            result, done = value, True
        elif stack[-1][2] == "[":
            stack[-1][0].append(value)
        else:
            stack[-1][0].append((stack[-1][1], value))


def go_field(obj, name):
    """Returns (found, value) for the field name of a decoded JSON object the way Go's
    encoding/json fills a struct field: keys match case-insensitively (with Unicode folding, so
    "an\u017fwer" is "answer"), and the last match wins. Callers that must fail where Go fails
    on a wrongly typed duplicate use go_fields."""
    found, value = False, None
    for v in go_fields(obj, name):
        found, value = True, v
    return found, value


def go_fields(obj, name):
    """Returns every value given for field name in a decoded JSON object, in order, matching
    keys as Go does (case-insensitively, with Unicode simple folding)."""
    lname = name.lower()
    pairs = obj.pairs if isinstance(obj, Object) else obj.items()
    return [v for k, v in pairs
            if k == name or (len(k) == len(lname) and k.replace("\u017f", "s").replace("\u212a", "k").lower() == lname)]


# ---- helpers ----

def fix_string(s):
    """Replaces lone surrogates (JSON escapes like "\\ud800" that Go decodes as U+FFFD) so that
    strings compare and encode as they do in Go."""
    if s.isascii():
        return s
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in s)


# ---- the entry point the host runs ----

def _decode_state(s):
    if not s:
        return b""
    return binascii.a2b_base64(s, strict_mode=True)


def _miners(ds, full):
    # One loop, and each Miner made without its __init__ (whose defaults cost a quarter of the
    # time here): this runs for every miner of every round.
    out = []
    append, new = out.append, object.__new__
    for d in ds:
        get = d.get
        m = new(Miner)
        m.uid = get("uid", 0)
        hotkey = get("hotkey", "")
        m.hotkey = hotkey if hotkey.isascii() else fix_string(hotkey)
        stake = get("stake", 0.0)
        m.stake = stake if type(stake) is float else float(stake)
        if full:
            m.status = get("status", 0)
            latency = get("latency_ms", 0.0)
            m.latency_ms = latency if type(latency) is float else float(latency)
            m.response = get("response")
            f = get("features")
            m.features = f if isinstance(f, dict) else {}
        else:
            m.status, m.latency_ms, m.response, m.features = 0, 0.0, None, {}
        append(m)
    return out


def parse_round(msg, cls=Round):
    """Decodes a Round (or, with cls=ChallengeRequest, a ChallengeRequest) message."""
    d = loads(msg)
    if not isinstance(d, dict):
        raise ValueError("decode round: not a JSON object")
    full = cls is Round
    v = d.get("validator") or {}
    r = cls(abi=d.get("abi", 0), netuid=d.get("netuid", 0), block=d.get("block", 0),
            block_hash=d.get("block_hash", ""), block_time_ms=d.get("block_time_ms", 0),
            seed=d.get("seed", ""), validator=Validator(v.get("uid", 0), fix_string(v.get("hotkey", ""))),
            challenge=d.get("challenge") if full else None,
            miners=_miners(d.get("miners") or (), full),
            state=_decode_state(d.get("state")))
    return r


def _state_bytes(st):
    if st is None:
        return b""
    if isinstance(st, (bytes, bytearray)):
        return bytes(st)
    if isinstance(st, str):
        return st.encode("utf-8")
    return dumps(st)


def encode_scores(s):
    """Encodes Scores as the Go kit does: {"scores":[{"uid":U,"score":S},...],"state":"base64"}
    with state left out when empty."""
    if isinstance(s, dict) and not isinstance(s, Scores):
        s = Scores(s)
    if not isinstance(s, Scores):
        raise TypeError("score returned %s, want subnetd.Scores" % type(s).__name__)
    items = s.scores.items() if isinstance(s.scores, dict) else s.scores
    parts = []
    for uid, v in items:
        if type(uid) is not int or not 0 <= uid <= 65535:
            raise ValueError("score for uid %r: a uid is an integer in [0, 65535]" % (uid,))
        parts.append(f'{{"uid":{uid},"score":{format_float(float(v))}}}')  # an f-string: no format parsing
    out = '{"scores":[' + ",".join(parts) + "]"
    st = _state_bytes(s.state)
    if st:
        out += ',"state":"' + binascii.b2a_base64(st, newline=False).decode("ascii") + '"'
    return (out + "}").encode("ascii")


def encode_challenge(c):
    """Encodes a Challenge as the Go kit does: {"synapse":..,"body":..,"timeout_ms":..}."""
    if not isinstance(c, Challenge):
        raise TypeError("challenge returned %s, want subnetd.Challenge" % type(c).__name__)
    body = c.body if isinstance(c.body, (bytes, bytearray)) else dumps(c.body)
    out = b'{"synapse":' + format_string(c.synapse).encode("utf-8") + b',"body":' + bytes(body)
    if c.timeout_ms:
        out += b',"timeout_ms":' + str(int(c.timeout_ms)).encode("ascii")
    return out + b"}"


def run(call, msg):
    """Runs the registered function for call ("score" or "challenge") on the message bytes and
    returns the output message bytes. It is what main does, callable in tests."""
    fn = _registry.get(call)
    if fn is None:
        if call == "challenge":
            raise LookupError("this scorer has no challenge function")
        raise LookupError("no %s function registered (decorate it with @subnetd.%s)" % (call, call))
    if call == "score":
        return encode_scores(fn(parse_round(msg, Round)))
    return encode_challenge(fn(parse_round(msg, ChallengeRequest)))


def _one_line(e):
    text = " ".join(str(e).split())
    return type(e).__name__ + (": " + text if text else "")


def main(module="scorer"):
    """The command the host runs: imports the scorer module (which registers its functions by
    decorator, or defines functions named score and challenge), runs the call named by the last
    argument on stdin and writes the output message to stdout. Exits 1 with one line on stderr
    on any failure."""
    sys.set_int_max_str_digits(0)  # a miner may send a 5000-digit number: Go reads it, so do we
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # print() in a scorer is a log line, never part of the output
    try:
        call = sys.argv[-1] if len(sys.argv) > 1 else ""
        if call not in ("score", "challenge"):
            raise ValueError("unknown call %r (want score or challenge)" % call)
        mod = __import__(module)
        for name in ("score", "challenge"):
            if name not in _registry and callable(getattr(mod, name, None)):
                _registry[name] = getattr(mod, name)
        msg = run(call, sys.stdin.buffer.read())
        out.write(msg)
        out.flush()
    except BaseException as e:  # SystemExit and KeyboardInterrupt included: one line, exit 1
        if isinstance(e, SystemExit) and e.code in (None, 0):
            e = RuntimeError("the scorer exited before returning its output")
        try:
            sys.stderr.flush()
        except Exception:
            pass
        sys.stderr.write(_one_line(e) + "\n")
        sys.stderr.flush()
        sys.exit(1)
