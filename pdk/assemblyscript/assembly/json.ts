// A small, strict JSON reader and writer over UTF-8 bytes, written for this kit.
//
// The reader never recurses: values are validated and skipped with an explicit stack, so a
// hostile miner answer nested a million levels deep is an error, not a stack overflow. Values
// are read lazily through RawJSON views into the message; nothing is copied until asked for.
// The rules follow Go's encoding/json, so a scorer reads the same values a Go scorer would.

import { Bytes, NumberParse, parseNumber, PARSE_OK, PARSE_RANGE } from "./float";

/** MAX_DEPTH is the deepest nesting accepted, as in Go's encoding/json. */
export const MAX_DEPTH: i32 = 10000;

/** Kinds of JSON values. */
export enum Kind {
  Invalid = 0,
  Null = 1,
  Bool = 2,
  Number = 3,
  String = 4,
  Array = 5,
  Object = 6,
}

// The reason the last read failed; read with jsonError().
let lastError: string = "";

/** jsonError returns why the last failed read failed. */
export function jsonError(): string {
  return lastError;
}

function fail(msg: string, at: usize, start: usize): usize {
  lastError = msg + " at offset " + (at - start).toString();
  return 0;
}

@inline
function isWS(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** skipWS returns the first non-whitespace position in [p, end). */
@inline
export function skipWS(p: usize, end: usize): usize {
  while (p < end && isWS(<u32>load<u8>(p))) p++;
  return p;
}

function isHex(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6;
}

/** lastStringEscaped tells whether the last string skipString checked had a backslash escape. */
export let lastStringEscaped = false;

/** skipString checks the string starting at p (on its quote) and returns the position after it, or 0. */
export function skipString(p: usize, end: usize, start: usize): usize {
  let q = p + 1;
  lastStringEscaped = false;
  while (q < end) {
    let c = <u32>load<u8>(q);
    if (c == 0x22) return q + 1;
    if (c < 0x20) return fail("control character in string", q, start);
    if (c == 0x5c) {
      lastStringEscaped = true;
      q++;
      if (q >= end) break;
      let e = <u32>load<u8>(q);
      if (e == 0x75) {
        if (q + 4 >= end) break;
        for (let i: usize = 1; i <= 4; i++) {
          if (!isHex(<u32>load<u8>(q + i))) return fail("bad \\u escape in string", q, start);
        }
        q += 5;
        continue;
      }
      if (e != 0x22 && e != 0x5c && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) {
        return fail("bad escape in string", q, start);
      }
    }
    q++;
  }
  return fail("unterminated string", q, start);
}

const numScratch = new NumberParse();

@inline
function digitAt(p: usize, end: usize): bool {
  return p < end && <u32>load<u8>(p) - 0x30 < 10;
}

/** scanNumber checks JSON number syntax at p and returns the position after it, or 0. */
export function scanNumber(p: usize, end: usize): usize {
  if (p < end && load<u8>(p) == 0x2d) p++;
  if (!digitAt(p, end)) return 0;
  if (load<u8>(p) == 0x30) {
    p++;
  } else {
    while (digitAt(p, end)) p++;
  }
  if (p < end && load<u8>(p) == 0x2e) {
    p++;
    if (!digitAt(p, end)) return 0;
    while (digitAt(p, end)) p++;
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    if (!digitAt(p, end)) return 0;
    while (digitAt(p, end)) p++;
  }
  return p;
}

function literal(p: usize, end: usize, word: string): bool {
  let n = <usize>word.length;
  if (p + n > end) return false;
  for (let i: usize = 0; i < n; i++) {
    if (<u32>load<u8>(p + i) != <u32>word.charCodeAt(<i32>i)) return false;
  }
  return true;
}

// Container stack for skipValue: 1 = object, 2 = array.
let stack = new StaticArray<u8>(MAX_DEPTH + 1);

/**
 * skipValue validates the JSON value starting at p (after whitespace) and returns the position
 * just after it, or 0 with jsonError() set. start is the message start, for error offsets.
 */
export function skipValue(p: usize, end: usize, start: usize, outerDepth: i32 = 0): usize {
  // Containers around this value count towards MAX_DEPTH, as in Go.
  let base = outerDepth;
  let depth = outerDepth;
  while (true) {
    // A value is expected at p.
    p = skipWS(p, end);
    if (p >= end) return fail("unexpected end of JSON", p, start);
    let c = <u32>load<u8>(p);
    let closed = false;
    if (c == 0x7b) {
      // '{'
      p = skipWS(p + 1, end);
      if (p < end && load<u8>(p) == 0x7d) {
        p++;
        closed = true;
      } else {
        if (depth >= MAX_DEPTH) return fail("exceeded max depth", p, start);
        unchecked((stack[depth++ - base] = 1));
        p = objectKey(p, end, start);
        if (p == 0) return 0;
        continue;
      }
    } else if (c == 0x5b) {
      // '['
      p = skipWS(p + 1, end);
      if (p < end && load<u8>(p) == 0x5d) {
        p++;
        closed = true;
      } else {
        if (depth >= MAX_DEPTH) return fail("exceeded max depth", p, start);
        unchecked((stack[depth++ - base] = 2));
        continue;
      }
    } else if (c == 0x22) {
      p = skipString(p, end, start);
      if (p == 0) return 0;
    } else if (c == 0x2d || c - 0x30 < 10) {
      let q = scanNumber(p, end);
      if (q == 0) return fail("invalid number", p, start);
      p = q;
    } else if (literal(p, end, "true")) {
      p += 4;
    } else if (literal(p, end, "false")) {
      p += 5;
    } else if (literal(p, end, "null")) {
      p += 4;
    } else {
      return fail("invalid character '" + String.fromCharCode(c) + "' looking for a value", p, start);
    }
    // After a value: close containers or move to the next element.
    let next = false;
    while (depth > base) {
      p = skipWS(p, end);
      if (p >= end) return fail("unexpected end of JSON", p, start);
      let d = <u32>load<u8>(p);
      let top = unchecked(stack[depth - 1 - base]);
      if (d == 0x2c) {
        p++;
        if (top == 1) {
          p = objectKey(skipWS(p, end), end, start);
          if (p == 0) return 0;
        }
        next = true;
        break;
      }
      if ((top == 1 && d == 0x7d) || (top == 2 && d == 0x5d)) {
        p++;
        depth--;
        continue;
      }
      return fail(top == 1 ? "expected ',' or '}' after object value" : "expected ',' or ']' after array element", p, start);
    }
    if (!next) return p;
  }
  return 0;
}

/**
 * keyIs compares the raw key text [kp, ke) (between the quotes) with an ASCII name. escaped
 * says whether the key may hold backslash escapes (then it is compared decoded).
 */
export function keyIs(kp: usize, ke: usize, name: string, escaped: bool = true): bool {
  let n = <usize>name.length;
  if (ke - kp == n) {
    let src = changetype<usize>(name);
    let i: usize = 0;
    for (; i < n; i++) {
      if (<u32>load<u8>(kp + i) != <u32>load<u16>(src + (i << 1))) break;
    }
    if (i == n) return true;
  }
  if (!escaped || ke - kp < n) return false;
  // An escaped key ("\u0075id") can still spell the name: compare it decoded.
  for (let q = kp; q < ke; q++) {
    if (load<u8>(q) == 0x5c) return decodeString(kp - 1, ke + 1) == name;
  }
  return false;
}

/** objectKey reads `"key" :` at p and returns the position after the colon, or 0. */
function objectKey(p: usize, end: usize, start: usize): usize {
  if (p >= end || load<u8>(p) != 0x22) return fail("expected a string object key", p, start);
  p = skipString(p, end, start);
  if (p == 0) return 0;
  p = skipWS(p, end);
  if (p >= end || load<u8>(p) != 0x3a) return fail("expected ':' after object key", p, start);
  return p + 1;
}

/**
 * RawJSON is a view of one JSON value inside a message (ptr, len). The message it points into
 * lives as long as the call. An empty view (len 0) means the value was absent.
 */
export class RawJSON {
  ptr: usize;
  len: i32;

  constructor(ptr: usize = 0, len: i32 = 0) {
    this.ptr = ptr;
    this.len = len;
  }

  /** fromString makes a RawJSON of a JSON text (copied), for tests and fixtures. */
  static fromString(s: string): RawJSON {
    let b = String.UTF8.encode(s);
    let n = b.byteLength;
    let p = heap.alloc(<usize>n);
    memory.copy(p, changetype<usize>(b), <usize>n);
    return new RawJSON(p, n);
  }

  /**
   * parse validates bytes as exactly one JSON value (whitespace around it allowed) and returns a
   * view of it, or null when it is not valid JSON (jsonError() says why). The view points into b.
   */
  static parse(b: Uint8Array): RawJSON | null {
    let p = b.dataStart;
    let end = p + <usize>b.length;
    let s = skipWS(p, end);
    let e = skipValue(s, end, p);
    if (e == 0) return null;
    if (skipWS(e, end) != end) {
      lastError = "invalid character after top-level value";
      return null;
    }
    return new RawJSON(s, <i32>(e - s));
  }

  @inline get end(): usize {
    return this.ptr + <usize>this.len;
  }

  /** clone returns a copy of this view (iterators reuse theirs). */
  clone(): RawJSON {
    return new RawJSON(this.ptr, this.len);
  }

  /** isAbsent is true when the field was not in the message at all. */
  isAbsent(): bool {
    return this.len == 0;
  }

  /** kind returns the value's kind (Invalid for an absent value). */
  kind(): Kind {
    if (this.len == 0) return Kind.Invalid;
    let c = <u32>load<u8>(this.ptr);
    if (c == 0x7b) return Kind.Object;
    if (c == 0x5b) return Kind.Array;
    if (c == 0x22) return Kind.String;
    if (c == 0x6e) return Kind.Null;
    if (c == 0x74 || c == 0x66) return Kind.Bool;
    return Kind.Number;
  }

  /** isNull is true for the literal null (an absent value is not null). */
  isNull(): bool {
    return this.kind() == Kind.Null;
  }

  /** asNumber returns the number (correctly rounded, ±Infinity beyond float64), or NaN if this is not a number. */
  asNumber(): f64 {
    if (this.kind() != Kind.Number) return NaN;
    parseNumber(this.ptr, this.end, numScratch);
    return numScratch.value;
  }

  /**
   * asFloat64 returns the number like Go's strconv.ParseFloat: the value, or NaN when this is
   * not a number or overflows float64 (Go reports a range error there). One parse.
   */
  asFloat64(): f64 {
    if (this.kind() != Kind.Number) return NaN;
    parseNumber(this.ptr, this.end, numScratch);
    return numScratch.status == PARSE_OK ? numScratch.value : NaN;
  }

  /** numberOverflows is true for a number too large for float64 (Go's ParseFloat range error). */
  numberOverflows(): bool {
    if (this.kind() != Kind.Number) return false;
    parseNumber(this.ptr, this.end, numScratch);
    return numScratch.status == PARSE_RANGE;
  }

  /** isInteger is true for a number written without fraction or exponent. */
  isInteger(): bool {
    if (this.kind() != Kind.Number) return false;
    parseNumber(this.ptr, this.end, numScratch);
    return numScratch.isInteger;
  }

  /** asBool returns true only for the literal true. */
  asBool(): bool {
    return this.kind() == Kind.Bool && load<u8>(this.ptr) == 0x74;
  }

  /** asString decodes a JSON string (escapes resolved, invalid UTF-8 as U+FFFD), or null if this is not a string. */
  asString(): string | null {
    if (this.kind() != Kind.String) return null;
    return decodeString(this.ptr, this.end);
  }

  /** get returns the member named key of an object (the last one if repeated), or null. */
  get(key: string): RawJSON | null {
    let found: RawJSON | null = null;
    let it = this.members();
    while (it.next()) {
      if (it.keyEquals(key)) found = it.value;
    }
    return found;
  }

  /**
   * getFold is get with Go's encoding/json key matching: ASCII case-insensitive, plus the
   * Unicode folds ſ→s and K (Kelvin)→k. Use it to read what a Go struct field would read.
   */
  getFold(key: string): RawJSON | null {
    let found: RawJSON | null = null;
    let it = this.members();
    while (it.next()) {
      if (it.keyFoldEquals(key)) found = it.value;
    }
    return found;
  }

  /** members iterates an object's members in order (no members when this is not an object). */
  members(): Members {
    return new Members(this);
  }

  /** elements iterates an array's elements in order (none when this is not an array). */
  elements(): Elements {
    return new Elements(this);
  }

  /** length is the number of elements of an array or members of an object (0 otherwise). */
  get length(): i32 {
    let n = 0;
    let k = this.kind();
    if (k == Kind.Array) {
      let it = this.elements();
      while (it.next()) n++;
    } else if (k == Kind.Object) {
      let it = this.members();
      while (it.next()) n++;
    }
    return n;
  }

  /** toString returns the value's JSON text. */
  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }
}

/** Members walks the members of a validated object. */
export class Members {
  private p: usize;
  private end: usize;
  private first: bool = true;
  /** keyPtr/keyEnd delimit the current key's raw text (between the quotes). */
  keyPtr: usize = 0;
  keyEnd: usize = 0;
  /**
   * value is the current member's value. next() overwrites it in place: keep a copy
   * (value.clone()) to hold on to it.
   */
  value: RawJSON = new RawJSON();
  /** failed is set when the walk stopped at malformed JSON (jsonError() says why). */
  failed: bool = false;

  constructor(o: RawJSON) {
    this.end = o.end;
    this.p = o.kind() == Kind.Object ? o.ptr + 1 : this.end;
  }

  /** next moves to the next member; false at the end or on malformed JSON (see failed). */
  next(): bool {
    let p = skipWS(this.p, this.end);
    if (p >= this.end) return this.stop(p, "unexpected end of JSON");
    let c = load<u8>(p);
    if (c == 0x7d) {
      if (p + 1 != this.end) return this.stop(p, "invalid character after object");
      this.p = this.end;
      return false;
    }
    if (!this.first) {
      if (c != 0x2c) return this.stop(p, "expected ',' or '}' after object value");
      p = skipWS(p + 1, this.end);
    }
    this.first = false;
    if (p >= this.end || load<u8>(p) != 0x22) return this.stop(p, "expected a string object key");
    let k = skipString(p, this.end, p);
    if (k == 0) return this.stop(0, "");
    this.keyPtr = p + 1;
    this.keyEnd = k - 1;
    p = skipWS(k, this.end);
    if (p >= this.end || load<u8>(p) != 0x3a) return this.stop(p, "expected ':' after object key");
    p = skipWS(p + 1, this.end);
    let v = skipValue(p, this.end, p);
    if (v == 0) return this.stop(0, "");
    this.value.ptr = p;
    this.value.len = <i32>(v - p);
    this.p = v;
    return true;
  }

  private stop(at: usize, msg: string): bool {
    if (msg.length > 0) lastError = msg;
    this.failed = true;
    this.p = this.end;
    return false;
  }

  /** key returns the current key, decoded. */
  get key(): string {
    return decodeString(this.keyPtr - 1, this.keyEnd + 1);
  }

  /** keyEquals compares the current key with an ASCII name (escaped keys are decoded first). */
  keyEquals(name: string): bool {
    return keyIs(this.keyPtr, this.keyEnd, name);
  }

  /** keyFoldEquals compares like Go's encoding/json does with a struct field name (ASCII name). */
  keyFoldEquals(name: string): bool {
    // Fast path: a plain ASCII key compares byte by byte, without decoding it.
    let n = <usize>name.length;
    let plain = true;
    for (let q = this.keyPtr; q < this.keyEnd; q++) {
      let c = load<u8>(q);
      if (c == 0x5c || c >= 0x80) {
        plain = false;
        break;
      }
    }
    if (plain) {
      if (this.keyEnd - this.keyPtr != n) return false;
      let src = changetype<usize>(name);
      for (let i: usize = 0; i < n; i++) {
        let c = <u32>load<u8>(this.keyPtr + i);
        if (c - 0x41 < 26) c |= 0x20;
        let d = <u32>load<u16>(src + (i << 1));
        if (d - 0x41 < 26) d |= 0x20;
        if (c != d) return false;
      }
      return true;
    }
    let k = this.key;
    let i = 0;
    let j = 0;
    while (i < k.length && j < name.length) {
      let c = <u32>k.charCodeAt(i++);
      if (c == 0x17f) c = 0x73; // ſ folds to s
      else if (c == 0x212a) c = 0x6b; // Kelvin sign folds to k
      if (c - 0x41 < 26) c |= 0x20;
      let d = <u32>name.charCodeAt(j++);
      if (d - 0x41 < 26) d |= 0x20;
      if (c != d) return false;
    }
    return i == k.length && j == name.length;
  }
}

/** Elements walks the elements of a validated array. */
export class Elements {
  private p: usize;
  private end: usize;
  private first: bool = true;
  /** value is the current element; next() overwrites it in place (value.clone() keeps a copy). */
  value: RawJSON = new RawJSON();
  /** failed is set when the walk stopped at malformed JSON (jsonError() says why). */
  failed: bool = false;

  constructor(a: RawJSON) {
    this.end = a.end;
    this.p = a.kind() == Kind.Array ? a.ptr + 1 : this.end;
  }

  /** next moves to the next element; false at the end or on malformed JSON (see failed). */
  next(): bool {
    let p = skipWS(this.p, this.end);
    if (p >= this.end) return this.stop("unexpected end of JSON");
    let c = load<u8>(p);
    if (c == 0x5d) {
      if (p + 1 != this.end) return this.stop("invalid character after array");
      this.p = this.end;
      return false;
    }
    if (!this.first) {
      if (c != 0x2c) return this.stop("expected ',' or ']' after array element");
      p = skipWS(p + 1, this.end);
    }
    this.first = false;
    let v = skipValue(p, this.end, p);
    if (v == 0) return this.stop("");
    this.value.ptr = p;
    this.value.len = <i32>(v - p);
    this.p = v;
    return true;
  }

  private stop(msg: string): bool {
    if (msg.length > 0) lastError = msg;
    this.failed = true;
    this.p = this.end;
    return false;
  }
}

function hexVal(c: u32): u32 {
  if (c - 0x30 < 10) return c - 0x30;
  return (c | 0x20) - 0x61 + 10;
}

function read4(p: usize): u32 {
  return (hexVal(load<u8>(p)) << 12) | (hexVal(load<u8>(p + 1)) << 8) | (hexVal(load<u8>(p + 2)) << 4) | hexVal(load<u8>(p + 3));
}

/**
 * decodeUTF8 decodes one code point at p like Go's utf8.DecodeRune: returns (rune << 8) | size,
 * with 0xFFFD and size 1 for an invalid or truncated sequence.
 */
function decodeUTF8(p: usize, end: usize): u32 {
  let c0 = <u32>load<u8>(p);
  if (c0 < 0x80) return (c0 << 8) | 1;
  let bad: u32 = (0xfffd << 8) | 1;
  if (c0 < 0xc2 || c0 > 0xf4) return bad;
  let n: usize = c0 < 0xe0 ? 2 : c0 < 0xf0 ? 3 : 4;
  if (p + n > end) return bad;
  let c1 = <u32>load<u8>(p + 1);
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (c0 == 0xe0) lo = 0xa0;
  else if (c0 == 0xed) hi = 0x9f;
  else if (c0 == 0xf0) lo = 0x90;
  else if (c0 == 0xf4) hi = 0x8f;
  if (c1 < lo || c1 > hi) return bad;
  if (n == 2) return ((((c0 & 0x1f) << 6) | (c1 & 0x3f)) << 8) | 2;
  let c2 = <u32>load<u8>(p + 2);
  if (c2 < 0x80 || c2 > 0xbf) return bad;
  if (n == 3) return ((((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f)) << 8) | 3;
  let c3 = <u32>load<u8>(p + 3);
  if (c3 < 0x80 || c3 > 0xbf) return bad;
  return ((((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f)) << 8) | 4;
}

/** decodeString decodes the validated JSON string [p, end) (quotes included) as Go does. */
export function decodeString(p: usize, end: usize): string {
  // Fast path: plain ASCII without escapes.
  let q = p + 1;
  let plain = true;
  for (; q < end - 1; q++) {
    let c = load<u8>(q);
    if (c == 0x5c || c >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return String.UTF8.decodeUnsafe(p + 1, end - p - 2);
  let out = new Array<u16>(0);
  q = p + 1;
  let stop = end - 1;
  while (q < stop) {
    let c = <u32>load<u8>(q);
    if (c == 0x5c) {
      let e = <u32>load<u8>(q + 1);
      q += 2;
      if (e == 0x75) {
        let r = read4(q);
        q += 4;
        if (r >= 0xd800 && r < 0xdc00) {
          // a high surrogate must be followed by \u low surrogate
          if (q + 6 <= stop && load<u8>(q) == 0x5c && load<u8>(q + 1) == 0x75) {
            let r2 = read4(q + 2);
            if (r2 >= 0xdc00 && r2 < 0xe000) {
              out.push(<u16>r);
              out.push(<u16>r2);
              q += 6;
              continue;
            }
          }
          out.push(0xfffd);
        } else if (r >= 0xdc00 && r < 0xe000) {
          out.push(0xfffd);
        } else {
          out.push(<u16>r);
        }
        continue;
      }
      let ch: u32 = e;
      if (e == 0x62) ch = 0x08;
      else if (e == 0x66) ch = 0x0c;
      else if (e == 0x6e) ch = 0x0a;
      else if (e == 0x72) ch = 0x0d;
      else if (e == 0x74) ch = 0x09;
      out.push(<u16>ch);
      continue;
    }
    let rs = decodeUTF8(q, stop);
    let r = rs >> 8;
    q += <usize>(rs & 0xff);
    if (r >= 0x10000) {
      r -= 0x10000;
      out.push(<u16>(0xd800 + (r >> 10)));
      out.push(<u16>(0xdc00 + (r & 0x3ff)));
    } else {
      out.push(<u16>r);
    }
  }
  return String.UTF16.decodeUnsafe(out.dataStart, <usize>out.length << 1);
}

const HEX = "0123456789abcdef";

/**
 * appendString writes s as a JSON string exactly as Go's encoding/json does: \" \\ \b \f \n \r \t,
 * other control characters and < > & as \u00XX, U+2028/U+2029 escaped, unpaired surrogates
 * as \ufffd; everything else as UTF-8.
 */
export function appendString(b: Bytes, s: string): void {
  b.push(0x22);
  let n = s.length;
  for (let i = 0; i < n; i++) {
    let c = <u32>s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c != 0x22 && c != 0x5c && c != 0x3c && c != 0x3e && c != 0x26) {
        b.push(c);
        continue;
      }
      b.push(0x5c);
      if (c == 0x22 || c == 0x5c) b.push(c);
      else if (c == 0x08) b.push(0x62);
      else if (c == 0x0c) b.push(0x66);
      else if (c == 0x0a) b.push(0x6e);
      else if (c == 0x0d) b.push(0x72);
      else if (c == 0x09) b.push(0x74);
      else {
        b.push(0x75);
        b.push(0x30);
        b.push(0x30);
        b.push(<u32>HEX.charCodeAt(<i32>(c >> 4)));
        b.push(<u32>HEX.charCodeAt(<i32>(c & 0xf)));
      }
      continue;
    }
    let r = c;
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      let c2 = <u32>s.charCodeAt(i + 1);
      if (c2 >= 0xdc00 && c2 < 0xe000) {
        r = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
        i++;
      } else {
        r = 0xfffd;
      }
    } else if (c >= 0xd800 && c < 0xe000) {
      r = 0xfffd;
    }
    if (r == 0x2028 || r == 0x2029) {
      b.appendASCII(r == 0x2028 ? "\\u2028" : "\\u2029");
      continue;
    }
    if (r == 0xfffd && c != 0xfffd) {
      b.appendASCII("\\ufffd");
      continue;
    }
    if (r < 0x800) {
      b.push(0xc0 | (r >> 6));
      b.push(0x80 | (r & 0x3f));
    } else if (r < 0x10000) {
      b.push(0xe0 | (r >> 12));
      b.push(0x80 | ((r >> 6) & 0x3f));
      b.push(0x80 | (r & 0x3f));
    } else {
      b.push(0xf0 | (r >> 18));
      b.push(0x80 | ((r >> 12) & 0x3f));
      b.push(0x80 | ((r >> 6) & 0x3f));
      b.push(0x80 | (r & 0x3f));
    }
  }
  b.push(0x22);
}
