// quality-as: the AssemblyScript port of examples/scorers/quality. Same challenge from the same
// seed (splitmix64), same scoring formula, same state: on the same Round it returns the same
// Scores bytes as the Go scorer (plugins/build_test.go checks this on every CI run).
//
// The challenge is a summing task derived from the round's seed, so every validator of the
// round asks the same question and an auditor can recompute it; each miner's answer is compared
// with the exact sum, and the score is an exponential moving average of answer quality kept in
// the scorer's state.

import {
  Round, Scores, ChallengeRequest, Challenge, Miner, RawJSON, Kind, Bytes,
  register, log, fail, appendF64, appendString, jsonError, LEVEL_WARN,
} from "@subnetd/pdk";
export * from "@subnetd/pdk/assembly/abi";

/** SYNAPSE is the synapse name miners serve for this scorer. */
const SYNAPSE = "SumTask";
/** TASK_LEN is how many numbers each task holds. */
const TASK_LEN = 16;
/** ALPHA is the weight of this round in the quality average. */
const ALPHA: f64 = 0.3;
/** KEEP is 1 - ALPHA written out as the float64 nearest 0.7, the same constant as the Go scorer's. */
const KEEP: f64 = 0.7;
/** TIMEOUT_MS is the per-miner deadline the challenge asks for. */
const TIMEOUT_MS: i64 = 12000;

const HEX = "0123456789abcdef";

function hexNibble(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** seedBytes decodes the seed's hex (0x prefix optional); null when it is not hex of at least 8 bytes. */
function seedBytes(seed: string): Uint8Array | null {
  let s = seed.startsWith("0x") ? seed.substr(2) : seed;
  if (s.length % 2 != 0) return null;
  let out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    let hi = hexNibble(s.charCodeAt(2 * i));
    let lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = <u8>((hi << 4) | lo);
  }
  if (out.length < 8) return null;
  return out;
}

/** taskBody expands the seed into the task's JSON body: TASK_LEN numbers in [0, 1000) with two decimals (splitmix64). */
function taskBody(seedHex: string): string {
  let seed = seedBytes(seedHex);
  if (seed == null) {
    let q = new Bytes(64);
    appendString(q, seedHex);
    fail("quality: round seed " + q.toString() + " is not hex of at least 8 bytes");
    return "";
  }
  let x: u64 = 0;
  for (let i = 7; i >= 0; i--) x = (x << 8) | <u64>seed[i];
  let b = new Bytes(512);
  b.appendASCII('{"task":"sum","id":"');
  for (let i = 0; i < 8; i++) {
    b.push(<u32>HEX.charCodeAt(seed[i] >> 4));
    b.push(<u32>HEX.charCodeAt(seed[i] & 15));
  }
  b.appendASCII('","numbers":[');
  for (let i = 0; i < TASK_LEN; i++) {
    x += 0x9e3779b97f4a7c15;
    let z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    z ^= z >> 31;
    if (i > 0) b.push(0x2c);
    appendF64(b, <f64>(z % 100000) / 100);
  }
  b.appendASCII("]}");
  return b.toString();
}

/** challenge derives this round's task from the round seed: the same seed gives the same task. */
function challenge(req: ChallengeRequest): Challenge | null {
  let c = new Challenge();
  c.synapse = SYNAPSE;
  c.body = taskBody(req.seed);
  c.timeoutMs = TIMEOUT_MS;
  return c;
}

// Constants of expNeg, given by their bits so every language reads the same values.
const LOG2E = reinterpret<f64>(0x3ff71547652b82fe);
const LN2_HI = reinterpret<f64>(0x3fe62e42fee00000);
const LN2_LO = reinterpret<f64>(0x3dea39ef35793c76);

/**
 * expNeg returns e^x for x <= 0 with +, -, *, / and floor only, each rounded once: the exact
 * computation of expNeg in examples/scorers/quality/main.go (see there), so both give the same bits.
 */
function expNeg(x: f64): f64 {
  if (x < -745.5) return 0;
  if (x > 0) x = 0;
  let k = Math.floor(x * LOG2E + 0.5);
  let r = (x - k * LN2_HI) - k * LN2_LO;
  let p: f64 = 1.0;
  for (let i = 14; i >= 1; i--) {
    p = 1 + (p * r) / <f64>i;
  }
  let ki = <i32>k;
  if (ki < -1021) return (p * pow2(ki + 54)) * pow2(-54);
  return p * pow2(ki);
}

/** pow2 is 2^k for -1022 <= k <= 1023, built from its bits. */
function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/** quality rates one miner's answer against the exact sum. */
function quality(m: Miner, want: f64): f64 {
  if (m.status != 200 || m.response.isAbsent()) return 0;
  let resp = m.response;
  if (resp.kind() != Kind.Object) return 0; // null: no answer; anything else: not an answer object
  // Read "answer" as Go's encoding/json fills an *float64 field: keys match case-insensitively,
  // the last one wins, null clears it, and any other type is an error.
  let has = false;
  let bad = false;
  let got: f64 = 0;
  let it = resp.members();
  while (it.next()) {
    if (!it.keyFoldEquals("answer")) continue;
    let v = it.value;
    if (v.isNull()) {
      has = false;
      continue;
    }
    let f = v.asFloat64(); // NaN: not a number, or beyond float64 (both errors in Go)
    if (isNaN(f)) bad = true;
    else {
      got = f;
      has = true;
    }
  }
  if (bad || !has) return 0;
  if (isNaN(got) || !isFinite(got)) return 0;
  let rel = Math.abs(got - want) / Math.max(1, Math.abs(want));
  return expNeg(-20 * rel);
}

/** sumOfTask reads the task from the round's challenge and returns the exact sum of its numbers. */
function sumOfTask(c: RawJSON): f64 {
  if (c.isAbsent() || c.isNull()) fail("quality: the round carries no challenge");
  if (c.kind() != Kind.Object) fail("quality: challenge is not a sum task: the challenge is not a JSON object");
  let task = "";
  let sum: f64 = 0;
  let it = c.members();
  while (it.next()) {
    let v = it.value;
    if (it.keyFoldEquals("task")) {
      if (v.kind() == Kind.String) task = v.asString()!;
      else if (!v.isNull()) fail("quality: challenge is not a sum task: task is not a string");
    } else if (it.keyFoldEquals("id")) {
      if (v.kind() != Kind.String && !v.isNull()) fail("quality: challenge is not a sum task: id is not a string");
    } else if (it.keyFoldEquals("numbers")) {
      if (v.isNull()) {
        sum = 0;
        continue;
      }
      if (v.kind() != Kind.Array) fail("quality: challenge is not a sum task: numbers is not an array");
      sum = 0;
      let ei = v.elements();
      while (ei.next()) {
        let n = ei.value;
        if (n.isNull()) continue; // null leaves 0 in Go
        if (n.kind() != Kind.Number || n.numberOverflows()) fail("quality: challenge is not a sum task: a number is not a float64");
        sum += n.asNumber();
      }
    }
  }
  if (task != "sum") fail("quality: challenge is not a sum task: <nil>");
  return sum;
}

/** Past is one miner's quality history, keyed by hotkey so a re-registered uid starts fresh. */
class Past {
  uid: u16 = 0;
  hotkey: string = "";
  ema: f64 = 0;
}

/** readState decodes last round's state, as Go's encoding/json would decode []past (see Go's quality). */
function readState(st: Uint8Array): Map<u16, Past> {
  let prev = new Map<u16, Past>();
  if (st.length == 0) return prev;
  let parsed = RawJSON.parse(st);
  if (parsed == null) {
    log(LEVEL_WARN, "quality: state unreadable, starting fresh: " + jsonError());
    return prev;
  }
  let text = parsed;
  if (text.kind() != Kind.Array) {
    if (!text.isNull()) log(LEVEL_WARN, "quality: state unreadable, starting fresh: not an array");
    return prev;
  }
  let problems = false;
  let ei = text.elements();
  while (ei.next()) {
    let e = ei.value;
    let p = new Past();
    if (e.kind() == Kind.Object) {
      let mi = e.members();
      while (mi.next()) {
        let v = mi.value;
        if (mi.keyFoldEquals("uid")) {
          if (v.isInteger() && v.asNumber() >= 0 && v.asNumber() <= 65535) p.uid = <u16>v.asNumber();
          else if (!v.isNull()) problems = true;
        } else if (mi.keyFoldEquals("hotkey")) {
          if (v.kind() == Kind.String) p.hotkey = v.asString()!;
          else if (!v.isNull()) problems = true;
        } else if (mi.keyFoldEquals("ema")) {
          if (v.kind() == Kind.Number && !v.numberOverflows()) p.ema = v.asNumber();
          else if (!v.isNull()) problems = true;
        }
      }
    } else if (!e.isNull()) {
      problems = true;
    }
    prev.set(p.uid, p);
  }
  if (problems) log(LEVEL_WARN, "quality: state unreadable, starting fresh: a field has the wrong type");
  return prev;
}

/**
 * score compares each answer with the exact sum of the task the round sent. Quality is
 * exp(-relative error × 20): an exact answer scores 1, 5% off scores about 0.37, no answer 0.
 */
function score(r: Round): Scores {
  let want = sumOfTask(r.challenge);
  let prev = readState(r.state);
  let out = new Scores();
  let next = new Array<Past>(0);
  for (let i = 0; i < r.miners.length; i++) {
    let m = unchecked(r.miners[i]);
    let q = quality(m, want);
    let ema = q;
    if (prev.has(m.uid)) {
      let p = prev.get(m.uid);
      if (p.hotkey == m.hotkey) ema = ALPHA * q + KEEP * p.ema;
    }
    let n = new Past();
    n.uid = m.uid;
    n.hotkey = m.hotkey;
    n.ema = ema;
    next.push(n);
    out.add(m.uid, ema);
  }
  // uids ascending, as the Go scorer sorts them (a host-made Round is sorted already)
  let sorted = true;
  for (let i = 1; i < next.length; i++) if (next[i - 1].uid > next[i].uid) sorted = false;
  if (!sorted) next.sort((a: Past, b: Past): i32 => <i32>a.uid - <i32>b.uid);
  let st = new Bytes(64 + next.length * 96);
  st.push(0x5b);
  for (let i = 0; i < next.length; i++) {
    let n = unchecked(next[i]);
    if (i > 0) st.push(0x2c);
    st.appendASCII('{"uid":');
    st.appendU64(n.uid);
    st.appendASCII(',"hotkey":');
    appendString(st, n.hotkey);
    st.appendASCII(',"ema":');
    appendF64(st, n.ema);
    st.push(0x7d);
  }
  st.push(0x5d);
  out.stateBytes = st;
  return out;
}

register(score, challenge);
