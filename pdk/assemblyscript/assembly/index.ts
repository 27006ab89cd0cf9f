// @subnetd/pdk: the AssemblyScript kit for subnetd scorers (scorer ABI v1, docs/ABI.md).
//
// A scorer is one function, registered from the entry file's top level:
//
//   import { Round, Scores, register } from "@subnetd/pdk";
//   export * from "@subnetd/pdk/assembly/abi";   // subnetd_alloc, subnetd_score, subnetd_challenge
//
//   function score(r: Round): Scores {
//     let s = new Scores();
//     for (let i = 0; i < r.miners.length; i++) {
//       let m = r.miners[i];
//       if (m.status == 200) s.add(m.uid, 1);
//     }
//     return s;
//   }
//   register(score);
//
// The kit decodes the Round, encodes the Scores (byte for byte as the Go kit would), and carries
// the scorer's state between rounds. To fail a round, throw: the message becomes the round's
// error (`scorer aborted: <message>`).

import { Bytes, appendF64, formatF64, parseNumber, NumberParse, PARSE_OK } from "./float";
import { RawJSON, Kind, Members, Elements, skipValue, skipWS, skipString, keyIs, lastStringEscaped, jsonError, decodeString, appendString } from "./json";
import { appendBase64, decodeBase64 } from "./base64";

export { Bytes, appendF64, formatF64, RawJSON, Kind, Members, Elements, appendString, appendBase64, decodeBase64, jsonError };

/** ABI_VERSION is the scorer ABI version this kit implements. */
export const ABI_VERSION: i32 = 1;

/** Log levels for log(). */
export const LEVEL_DEBUG: i32 = 0;
export const LEVEL_INFO: i32 = 1;
export const LEVEL_WARN: i32 = 2;
export const LEVEL_ERROR: i32 = 3;

// @ts-ignore: decorator
@external("subnetd", "log")
declare function hostLog(level: i32, ptr: usize, len: usize): void;

// @ts-ignore: decorator
@external("subnetd", "abort")
declare function hostAbort(ptr: usize, len: usize): void;

/** log sends one line to the validator's log. The host caps lines per call. */
export function log(level: i32, msg: string): void {
  let b = String.UTF8.encode(msg);
  hostLog(level, changetype<usize>(b), <usize>b.byteLength);
}

/** fail gives up this call: the round fails with `scorer aborted: <msg>`. It never returns. */
export function fail(msg: string): void {
  let b = String.UTF8.encode(msg);
  hostAbort(changetype<usize>(b), <usize>b.byteLength);
  unreachable();
}

/**
 * onAbort receives AssemblyScript's abort (a throw, a failed assertion, an out-of-bounds
 * access in checked code) and hands it to the host. Build with `--use abort=...onAbort`
 * (subnetd plugin build does), so the module imports subnetd.abort instead of env.abort.
 */
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = message != null ? message : "abort";
  if (message == null && fileName != null) {
    text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  }
  fail(text);
}

/** Validator identifies the validator running a round. */
export class Validator {
  /** uid is the validator's uid on the subnet. */
  uid: u16 = 0;
  /** hotkey is the validator's hotkey as SS58. */
  hotkey: string = "";
}

/** Miner is one miner's answer in a Round. */
export class Miner {
  /** uid is the miner's uid. */
  uid: u16 = 0;
  /** hotkey is the miner's hotkey as SS58. */
  hotkey: string = "";
  /** stake is the miner's stake in TAO. */
  stake: f64 = 0;
  /** status is the dendrite status: 200 answered, 408 timed out, 503 unreachable, 422 unparseable, ... */
  status: i32 = 0;
  /** latencyMs is how long the miner took to answer. */
  latencyMs: f64 = 0;
  /** response is the miner's JSON answer (the literal null when it gave none; absent in a ChallengeRequest). */
  response: RawJSON = new RawJSON();
  /** features is the feature providers' object {"<provider>": <JSON or null>, …} (absent when the subnet has none; docs/PROVIDERS.md). */
  features: RawJSON = new RawJSON();
}

/** Round is the input of one scoring call: what the validator asked and what every miner answered. */
export class Round {
  /** abi is the message's ABI version (1). */
  abi: i32 = 0;
  /** netuid is the subnet being scored. */
  netuid: u16 = 0;
  /** block is the chain block the round is anchored to. */
  block: u64 = 0;
  /** blockHash is the hex hash of block. */
  blockHash: string = "";
  /** blockTimeMs is the block's timestamp in Unix milliseconds. */
  blockTimeMs: i64 = 0;
  /** seed is the round's 32-byte seed in hex with 0x. */
  seed: string = "";
  /** validator is the validator running the round. */
  validator: Validator = new Validator();
  /** challenge is the synapse body that was sent (the literal null when none). */
  challenge: RawJSON = new RawJSON();
  /** miners lists every queried miner, uids ascending. */
  miners: Miner[] = [];
  /** state is what this scorer returned as state last round (empty on the first round). */
  state: Uint8Array = new Uint8Array(0);
}

/** ChallengeRequest is the input of the optional challenge function: a Round without challenge and answers. */
export class ChallengeRequest extends Round {}

/** Score is one miner's score. */
export class Score {
  /** uid must be one the Round listed. */
  uid: u16;
  /** score must be finite and >= 0. */
  score: f64;

  constructor(uid: u16, score: f64) {
    this.uid = uid;
    this.score = score;
  }
}

/** Scores is the output of one scoring call. */
export class Scores {
  /** scores holds one entry per scored uid; a uid left out scores 0. */
  scores: Score[] = [];
  /** state is handed back to the scorer in the next Round (optional, size-capped by the host). */
  state: Uint8Array | null = null;
  /** stateBytes is an alternative to state that avoids a copy: the bytes of a Bytes buffer. */
  stateBytes: Bytes | null = null;

  /** add appends a score. */
  add(uid: u16, score: f64): void {
    this.scores.push(new Score(uid, score));
  }
}

/** Challenge is what the validator sends to every serving miner this round. */
export class Challenge {
  /** synapse is the synapse name (the URL path on the axon). */
  synapse: string = "";
  /** body is the JSON text sent to every miner; it must be an object. */
  body: string = "{}";
  /** timeoutMs is the per-miner deadline; 0 keeps the subnet's default. */
  timeoutMs: i64 = 0;
}

/** ScoreFn turns a Round into Scores. */
export type ScoreFn = (r: Round) => Scores;
/** ChallengeFn builds the synapse sent to miners; return null to let the subnet's config decide. */
export type ChallengeFn = (r: ChallengeRequest) => Challenge | null;

// The registered scorer: guest-side state that lives as long as the instance (one call).
let scoreFn: ScoreFn | null = null;
let challengeFn: ChallengeFn | null = null;

/** register makes score (and the optional challenge) the scorer this module exports. */
export function register(score: ScoreFn, challenge: ChallengeFn | null = null): void {
  scoreFn = score;
  challengeFn = challenge;
}

/** hasChallenge reports whether a challenge function was registered. */
export function hasChallenge(): bool {
  return challengeFn != null;
}

// ---- decoding -------------------------------------------------------------------------------

const num = new NumberParse();

function decodeFail(what: string, msg: string): void {
  fail("decode " + what + ": " + msg);
}

/**
 * readInt reads an integer field within [min, max] exactly (null leaves def), like Go's decoder
 * for an integer type: a literal with a fraction or exponent, or out of range, is an error.
 */
function readInt(v: RawJSON, field: string, what: string, min: i64, max: i64, def: i64): i64 {
  if (v.isNull()) return def;
  let ok = v.kind() == Kind.Number && v.isInteger();
  let n: i64 = 0;
  if (ok) {
    let p = v.ptr;
    let neg = load<u8>(p) == 0x2d;
    if (neg) p++;
    let u: u64 = 0;
    for (; p < v.end && ok; p++) {
      let d = <u64>(load<u8>(p) - 0x30);
      if (u > (u64.MAX_VALUE - d) / 10) ok = false;
      else u = u * 10 + d;
    }
    if (ok && neg) ok = u <= <u64>i64.MAX_VALUE + 1;
    else if (ok) ok = u <= <u64>i64.MAX_VALUE;
    n = neg ? <i64>(0 - u) : <i64>u;
    ok = ok && n >= min && n <= max;
  }
  if (!ok) decodeFail(what, "field " + field + " = " + v.toString() + " is not an integer in range");
  return n;
}

/** readU64 reads an unsigned 64-bit integer field exactly (null leaves def). */
function readU64(v: RawJSON, field: string, what: string, def: u64): u64 {
  if (v.isNull()) return def;
  let ok = v.kind() == Kind.Number && v.isInteger() && load<u8>(v.ptr) != 0x2d;
  let u: u64 = 0;
  for (let p = v.ptr; ok && p < v.end; p++) {
    let d = <u64>(load<u8>(p) - 0x30);
    if (u > (u64.MAX_VALUE - d) / 10) ok = false;
    else u = u * 10 + d;
  }
  if (!ok) decodeFail(what, "field " + field + " = " + v.toString() + " is not an integer in range");
  return u;
}

function readFloat(v: RawJSON, field: string, what: string): f64 {
  if (v.isNull()) return 0;
  if (v.kind() != Kind.Number) decodeFail(what, "field " + field + " is not a number");
  parseNumber(v.ptr, v.end, num);
  if (num.status != PARSE_OK) decodeFail(what, "field " + field + " = " + v.toString() + " overflows float64");
  return num.value;
}

function readString(v: RawJSON, field: string, what: string): string {
  if (v.isNull()) return "";
  let s = v.asString();
  if (s == null) {
    decodeFail(what, "field " + field + " is not a string");
    return "";
  }
  return s;
}

// The Round is decoded in one pass: the walk below validates every value as it reads or skips
// it, and each miner's fields are read where they stand (a miner's response is skipped once and
// kept as a view). Errors name the field and the byte offset.

let msgStart: usize = 0;
let what: string = "";

function bad(msg: string, at: usize): void {
  decodeFail(what, msg + " at offset " + (at - msgStart).toString());
}

/** expectByte fails unless the byte at p (after whitespace) is c; returns the position after it. */
function expectByte(p: usize, end: usize, c: u32, msg: string): usize {
  p = skipWS(p, end);
  if (p >= end || <u32>load<u8>(p) != c) bad(msg, p);
  return p + 1;
}

/** readKey reads a key at p and returns the position after its colon; the key is [keyP, keyE). */
let keyP: usize = 0;
let keyE: usize = 0;
let keyEsc = false;
function readKey(p: usize, end: usize): usize {
  if (p >= end || load<u8>(p) != 0x22) bad("expected a string object key", p);
  let k = skipString(p, end, msgStart);
  if (k == 0) decodeFail(what, jsonError());
  keyP = p + 1;
  keyE = k - 1;
  keyEsc = lastStringEscaped;
  return skipWS(expectByte(k, end, 0x3a, "expected ':' after object key"), end);
}

/**
 * value skips the value at p (depth: containers around it) and returns a view of it. The view
 * is a shared scratch object, overwritten by the next call: clone() it to keep it.
 */
const scratchValue = new RawJSON();
function value(p: usize, end: usize, depth: i32): RawJSON {
  let v = skipValue(p, end, msgStart, depth);
  if (v == 0) decodeFail(what, jsonError());
  scratchValue.ptr = p;
  scratchValue.len = <i32>(v - p);
  return scratchValue;
}

/** afterMember moves past ',' (true: another member follows) or the closing c (false). */
let cursor: usize = 0;
function afterMember(p: usize, end: usize, close: u32): bool {
  p = skipWS(p, end);
  if (p < end && load<u8>(p) == 0x2c) {
    cursor = skipWS(p + 1, end);
    return true;
  }
  if (p < end && <u32>load<u8>(p) == close) {
    cursor = p + 1;
    return false;
  }
  bad(close == 0x7d ? "expected ',' or '}' after object value" : "expected ',' or ']' after array element", p);
  return false;
}

/** decodeMinerAt reads the miner object at p ('{'), three levels deep; returns the position after it. */
function decodeMinerAt(p: usize, end: usize, m: Miner): usize {
  p = skipWS(p + 1, end);
  if (p < end && load<u8>(p) == 0x7d) return p + 1;
  while (true) {
    p = readKey(p, end);
    let x = value(p, end, 3);
    if (keyIs(keyP, keyE, "uid", keyEsc)) m.uid = <u16>readInt(x, "uid", what, 0, 65535, m.uid);
    else if (keyIs(keyP, keyE, "hotkey", keyEsc)) m.hotkey = readString(x, "hotkey", what);
    else if (keyIs(keyP, keyE, "stake", keyEsc)) m.stake = readFloat(x, "stake", what);
    else if (keyIs(keyP, keyE, "status", keyEsc)) m.status = <i32>readInt(x, "status", what, -2147483648, 2147483647, m.status);
    else if (keyIs(keyP, keyE, "latency_ms", keyEsc)) m.latencyMs = readFloat(x, "latency_ms", what);
    else if (keyIs(keyP, keyE, "response", keyEsc)) m.response = x.clone();
    else if (keyIs(keyP, keyE, "features", keyEsc)) m.features = x.clone();
    if (!afterMember(x.end, end, 0x7d)) return cursor;
    p = cursor;
  }
  return 0;
}

/** decodeMinersAt reads the miners array at p ('['); returns the position after it. */
function decodeMinersAt(p: usize, end: usize, r: Round): usize {
  let miners = new Array<Miner>(0);
  r.miners = miners;
  p = skipWS(p + 1, end);
  if (p < end && load<u8>(p) == 0x5d) return p + 1;
  while (true) {
    let m = new Miner();
    if (p < end && load<u8>(p) == 0x7b) {
      p = decodeMinerAt(p, end, m);
    } else {
      let x = value(p, end, 2);
      if (!x.isNull()) bad("a miner is not an object", p);
      p = x.end;
    }
    miners.push(m);
    if (!afterMember(p, end, 0x5d)) return cursor;
    p = cursor;
  }
  return 0;
}

/**
 * decodeRound decodes a Round (or ChallengeRequest) message at [ptr, ptr+len). A malformed
 * message fails the call with a clear reason. Unknown fields are skipped (after validation).
 */
export function decodeRound<T extends Round>(ptr: usize, len: i32, kind: string): T {
  msgStart = ptr;
  what = kind;
  let end = ptr + <usize>len;
  let r = instantiate<T>();
  let p = skipWS(ptr, end);
  if (p < end && load<u8>(p) != 0x7b) {
    let x = value(p, end, 0);
    if (!x.isNull()) decodeFail(what, "message is not a JSON object");
    if (skipWS(x.end, end) != end) bad("invalid character after top-level value", skipWS(x.end, end));
    return r;
  }
  p = expectByte(p, end, 0x7b, "message is not a JSON object");
  p = skipWS(p, end);
  let more = !(p < end && load<u8>(p) == 0x7d);
  if (!more) cursor = p + 1;
  while (more) {
    p = readKey(p, end);
    let stop: usize;
    if (keyIs(keyP, keyE, "miners", keyEsc) && p < end && load<u8>(p) == 0x5b) {
      stop = decodeMinersAt(p, end, r);
    } else {
      let x = value(p, end, 1);
      stop = x.end;
      if (keyIs(keyP, keyE, "abi", keyEsc)) r.abi = <i32>readInt(x, "abi", what, -2147483648, 2147483647, r.abi);
      else if (keyIs(keyP, keyE, "netuid", keyEsc)) r.netuid = <u16>readInt(x, "netuid", what, 0, 65535, r.netuid);
      else if (keyIs(keyP, keyE, "block", keyEsc)) r.block = readU64(x, "block", what, r.block);
      else if (keyIs(keyP, keyE, "block_hash", keyEsc)) r.blockHash = readString(x, "block_hash", what);
      else if (keyIs(keyP, keyE, "block_time_ms", keyEsc)) r.blockTimeMs = readInt(x, "block_time_ms", what, i64.MIN_VALUE, i64.MAX_VALUE, r.blockTimeMs);
      else if (keyIs(keyP, keyE, "seed", keyEsc)) r.seed = readString(x, "seed", what);
      else if (keyIs(keyP, keyE, "validator", keyEsc)) {
        if (x.kind() == Kind.Object) {
          let vi = x.members();
          while (vi.next()) {
            if (vi.keyEquals("uid")) r.validator.uid = <u16>readInt(vi.value, "validator.uid", what, 0, 65535, r.validator.uid);
            else if (vi.keyEquals("hotkey")) r.validator.hotkey = readString(vi.value, "validator.hotkey", what);
          }
        } else if (!x.isNull()) decodeFail(what, "field validator is not an object");
      } else if (keyIs(keyP, keyE, "challenge", keyEsc)) r.challenge = x.clone();
      else if (keyIs(keyP, keyE, "miners", keyEsc)) {
        if (!x.isNull()) decodeFail(what, "field miners is not an array");
      } else if (keyIs(keyP, keyE, "state", keyEsc)) {
        if (x.kind() == Kind.String) {
          let st = decodeBase64(x.ptr + 1, x.end - 1);
          if (st == null) decodeFail(what, "field state is not valid base64");
          else r.state = st;
        } else if (!x.isNull()) decodeFail(what, "field state is not a string");
      }
    }
    more = afterMember(stop, end, 0x7d);
    p = cursor;
  }
  if (skipWS(cursor, end) != end) bad("invalid character after top-level value", skipWS(cursor, end));
  return r;
}

// ---- encoding -------------------------------------------------------------------------------

/** encodeScores writes the Scores message as Go's encoding/json writes pdk.Scores. */
export function encodeScores(s: Scores, b: Bytes): void {
  b.appendASCII('{"scores":[');
  let list = s.scores;
  for (let i = 0; i < list.length; i++) {
    let sc = unchecked(list[i]);
    if (!isFinite(sc.score)) fail("invalid score for uid " + sc.uid.toString() + ": " + sc.score.toString() + " is not a finite number");
    if (i > 0) b.push(0x2c);
    b.appendASCII('{"uid":');
    b.appendU64(sc.uid);
    b.appendASCII(',"score":');
    appendF64(b, sc.score);
    b.push(0x7d);
  }
  b.push(0x5d);
  let sp: usize = 0;
  let sn = 0;
  let st = s.state;
  let sb = s.stateBytes;
  if (sb != null) {
    sp = sb.ptr;
    sn = sb.len;
  } else if (st != null) {
    sp = st.dataStart;
    sn = st.length;
  }
  if (sn > 0) {
    b.reserve(16 + ((sn + 2) / 3) * 4);
    b.appendASCII(',"state":"');
    appendBase64(b, sp, sn);
    b.push(0x22);
  }
  b.push(0x7d);
}

/** encodeChallenge writes the Challenge message as Go's encoding/json writes pdk.Challenge. */
export function encodeChallenge(c: Challenge, b: Bytes): void {
  b.appendASCII('{"synapse":');
  appendString(b, c.synapse);
  b.appendASCII(',"body":');
  let body = String.UTF8.encode(c.body);
  let bp = changetype<usize>(body);
  let bend = bp + <usize>body.byteLength;
  let s = skipWS(bp, bend);
  let e = skipValue(s, bend, bp);
  if (e == 0 || skipWS(e, bend) != bend) fail("challenge body is not valid JSON: " + jsonError());
  compactInto(b, s, e);
  if (c.timeoutMs != 0) {
    b.appendASCII(',"timeout_ms":');
    b.appendI64(c.timeoutMs);
  }
  b.push(0x7d);
}

/** compactInto copies validated JSON without insignificant whitespace, escaping < > & like Go. */
function compactInto(b: Bytes, p: usize, end: usize): void {
  let inStr = false;
  for (let q = p; q < end; q++) {
    let c = <u32>load<u8>(q);
    if (inStr) {
      if (c == 0x5c) {
        b.push(c);
        q++;
        b.push(<u32>load<u8>(q));
        continue;
      }
      if (c == 0x22) inStr = false;
      if (c == 0x3c || c == 0x3e || c == 0x26) {
        b.appendASCII(c == 0x3c ? "\\u003c" : c == 0x3e ? "\\u003e" : "\\u0026");
        continue;
      }
      b.push(c);
      continue;
    }
    if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) continue;
    if (c == 0x22) inStr = true;
    b.push(c);
  }
}

// ---- the ABI --------------------------------------------------------------------------------

// The output of the last call stays here until the host has copied it.
let output: Bytes | null = null;

/** allocForHost implements subnetd_alloc. */
export function allocForHost(size: i32): usize {
  // Grow memory once for the whole call (about six times the message) instead of doubling it
  // step by step as the allocator runs out: each growth may copy the whole memory.
  let want = <i32>((<i64>size * 6) >> 16) + 2;
  let have = memory.size();
  if (want > have) memory.grow(want - have); // a refusal (the subnet's cap) is fine: growth then happens on demand
  return heap.alloc(size > 0 ? <usize>size : 1);
}

function finish(b: Bytes): i64 {
  output = b;
  if (b.len == 0) return 0;
  return (<i64>b.ptr << 32) | <i64>b.len;
}

/** scoreForHost implements subnetd_score. */
export function scoreForHost(ptr: usize, len: i32): i64 {
  let f = scoreFn;
  if (f == null) {
    fail("pdk: no scorer registered (call register(score) at the top level of your entry file)");
    return 0;
  }
  let r = decodeRound<Round>(ptr, len, "round");
  let s = f(r);
  let b = new Bytes(64 + s.scores.length * 32);
  encodeScores(s, b);
  return finish(b);
}

/** challengeForHost implements subnetd_challenge: 0 declines (no challenge function, or it returned null). */
export function challengeForHost(ptr: usize, len: i32): i64 {
  let f = challengeFn;
  if (f == null) return 0;
  let r = decodeRound<ChallengeRequest>(ptr, len, "challenge request");
  let c = f(r);
  if (c == null) return 0;
  let b = new Bytes(256);
  encodeChallenge(c, b);
  return finish(b);
}

/** scoreJSON runs the registered scorer on a Round given as text and returns the Scores text (for tests). */
export function scoreJSON(round: string): string {
  let b = String.UTF8.encode(round);
  let res = scoreForHost(changetype<usize>(b), b.byteLength);
  if (res == 0) return "";
  return String.UTF8.decodeUnsafe(<usize>(res >>> 32), <usize>(res & 0xffffffff));
}

/** decodeJSONString decodes a validated JSON string literal [p, end), quotes included. */
export function decodeJSONString(p: usize, end: usize): string {
  return decodeString(p, end);
}
