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
import { RawJSON, Kind, Members, Elements, skipValue, skipWS, jsonError, decodeString, appendString } from "./json";
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

/** readInt reads an integer field within [min, max] (null leaves def), like Go's decoder. */
function readInt(v: RawJSON, field: string, what: string, min: f64, max: f64, def: i64): i64 {
  if (v.isNull()) return def;
  if (v.kind() != Kind.Number) {
    decodeFail(what, "field " + field + " is not a number");
  }
  parseNumber(v.ptr, v.end, num);
  if (!num.isInteger || num.value < min || num.value > max) {
    decodeFail(what, "field " + field + " = " + v.toString() + " is not an integer in range");
  }
  return readInteger(v);
}

/** readInteger parses the digits of an integer literal exactly (float64 loses digits past 2^53). */
function readInteger(v: RawJSON): i64 {
  let p = v.ptr;
  let neg = load<u8>(p) == 0x2d;
  if (neg) p++;
  let n: u64 = 0;
  for (; p < v.end; p++) n = n * 10 + <u64>(load<u8>(p) - 0x30);
  return neg ? -(<i64>n) : <i64>n;
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

function decodeMiner(v: RawJSON, what: string): Miner {
  let m = new Miner();
  if (v.isNull()) return m;
  if (v.kind() != Kind.Object) decodeFail(what, "a miner is not an object");
  let it = v.members();
  while (it.next()) {
    let x = it.value;
    if (it.keyEquals("uid")) m.uid = <u16>readInt(x, "uid", what, 0, 65535, m.uid);
    else if (it.keyEquals("hotkey")) m.hotkey = readString(x, "hotkey", what);
    else if (it.keyEquals("stake")) m.stake = readFloat(x, "stake", what);
    else if (it.keyEquals("status")) m.status = <i32>readInt(x, "status", what, -2147483648, 2147483647, m.status);
    else if (it.keyEquals("latency_ms")) m.latencyMs = readFloat(x, "latency_ms", what);
    else if (it.keyEquals("response")) m.response = x;
  }
  return m;
}

/**
 * decodeRound decodes a Round (or ChallengeRequest) message at [ptr, ptr+len). A malformed
 * message fails the call with a clear reason.
 */
export function decodeRound<T extends Round>(ptr: usize, len: i32, what: string): T {
  let end = ptr + <usize>len;
  let start = skipWS(ptr, end);
  let stop = skipValue(start, end, ptr);
  if (stop == 0) decodeFail(what, jsonError());
  if (skipWS(stop, end) != end) decodeFail(what, "invalid character after top-level value");
  let msg = new RawJSON(start, <i32>(stop - start));
  let r = instantiate<T>();
  if (msg.isNull()) return r;
  if (msg.kind() != Kind.Object) decodeFail(what, "message is not a JSON object");
  let it = msg.members();
  while (it.next()) {
    let x = it.value;
    if (it.keyEquals("abi")) r.abi = <i32>readInt(x, "abi", what, -2147483648, 2147483647, r.abi);
    else if (it.keyEquals("netuid")) r.netuid = <u16>readInt(x, "netuid", what, 0, 65535, r.netuid);
    else if (it.keyEquals("block")) r.block = <u64>readInt(x, "block", what, 0, 9.2e18, <i64>r.block);
    else if (it.keyEquals("block_hash")) r.blockHash = readString(x, "block_hash", what);
    else if (it.keyEquals("block_time_ms")) r.blockTimeMs = readInt(x, "block_time_ms", what, -9.2e18, 9.2e18, r.blockTimeMs);
    else if (it.keyEquals("seed")) r.seed = readString(x, "seed", what);
    else if (it.keyEquals("validator")) {
      if (x.kind() == Kind.Object) {
        let vi = x.members();
        while (vi.next()) {
          if (vi.keyEquals("uid")) r.validator.uid = <u16>readInt(vi.value, "validator.uid", what, 0, 65535, r.validator.uid);
          else if (vi.keyEquals("hotkey")) r.validator.hotkey = readString(vi.value, "validator.hotkey", what);
        }
      } else if (!x.isNull()) decodeFail(what, "field validator is not an object");
    } else if (it.keyEquals("challenge")) r.challenge = x;
    else if (it.keyEquals("miners")) {
      if (x.kind() == Kind.Array) {
        let miners = new Array<Miner>(0);
        let ei = x.elements();
        while (ei.next()) miners.push(decodeMiner(ei.value, what));
        r.miners = miners;
      } else if (!x.isNull()) decodeFail(what, "field miners is not an array");
    } else if (it.keyEquals("state")) {
      if (x.kind() == Kind.String) {
        let st = decodeBase64(x.ptr + 1, x.end - 1);
        if (st == null) decodeFail(what, "field state is not valid base64");
        else r.state = st;
      } else if (!x.isNull()) decodeFail(what, "field state is not a string");
    }
  }
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
  let st = s.state;
  if (st != null && st.length > 0) {
    b.appendASCII(',"state":"');
    appendBase64(b, st.dataStart, st.length);
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
