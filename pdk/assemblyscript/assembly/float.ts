// Exact float64 <-> decimal conversion, written for this kit.
//
// formatF64 prints the shortest decimal that reads back as the same float64 (and, among those,
// the closest one), in the layout Go's encoding/json uses; parseF64 reads a decimal with correct
// rounding (round half to even). Both rest on one exact multi-precision decimal, so a scorer's
// Scores bytes are the same as those of the same scorer written in Go.

/** Capacity of the exact decimal: enough for every float64 and its rounding bounds. */
const MAX_DIGITS: i32 = 800;

/** Largest shift done in one pass: keeps digit * 2^shift within a u64. */
const MAX_SHIFT: i32 = 59;

/**
 * Decimal is an exact decimal number 0.d[0]d[1]...d[nd-1] × 10^dp with d holding digit values
 * 0-9 (not characters). trunc records that non-zero digits were dropped past the capacity.
 */
class Decimal {
  d: StaticArray<u8> = new StaticArray<u8>(MAX_DIGITS);
  nd: i32 = 0;
  dp: i32 = 0;
  trunc: bool = false;

  setU64(v: u64): void {
    let n = 0;
    let t = v;
    while (t > 0) {
      n++;
      t /= 10;
    }
    for (let i = n - 1; i >= 0; i--) {
      unchecked((this.d[i] = <u8>(v % 10)));
      v /= 10;
    }
    this.nd = n;
    this.dp = n;
    this.trunc = false;
    this.trim();
  }

  copyFrom(o: Decimal): void {
    memory.copy(changetype<usize>(this.d), changetype<usize>(o.d), <usize>o.nd);
    this.nd = o.nd;
    this.dp = o.dp;
    this.trunc = o.trunc;
  }

  /** trim drops trailing zeros. */
  trim(): void {
    while (this.nd > 0 && unchecked(this.d[this.nd - 1]) == 0) this.nd--;
    if (this.nd == 0) this.dp = 0;
  }

  /** shift multiplies by 2^k (k > 0) or divides by 2^-k (k < 0). */
  shift(k: i32): void {
    if (this.nd == 0) return;
    while (k > MAX_SHIFT) {
      this.leftShift(MAX_SHIFT);
      k -= MAX_SHIFT;
    }
    if (k > 0) this.leftShift(k);
    while (k < -MAX_SHIFT) {
      this.rightShift(MAX_SHIFT);
      k += MAX_SHIFT;
    }
    if (k < 0) this.rightShift(-k);
  }

  private rightShift(k: i32): void {
    let r = 0; // read index
    let w = 0; // write index
    let n: u64 = 0;
    // Read leading digits until the value is at least 2^k.
    for (; n >> <u64>k == 0; r++) {
      if (r >= this.nd) {
        if (n == 0) {
          this.nd = 0;
          return;
        }
        while (n >> <u64>k == 0) {
          n *= 10;
          r++;
        }
        break;
      }
      n = n * 10 + <u64>unchecked(this.d[r]);
    }
    this.dp -= r - 1;
    let mask: u64 = (<u64>1 << <u64>k) - 1;
    for (; r < this.nd; r++) {
      let c = <u64>unchecked(this.d[r]);
      let dig = n >> <u64>k;
      n &= mask;
      unchecked((this.d[w++] = <u8>dig));
      n = n * 10 + c;
    }
    while (n > 0) {
      let dig = n >> <u64>k;
      n &= mask;
      if (w < MAX_DIGITS) {
        unchecked((this.d[w++] = <u8>dig));
      } else if (dig > 0) {
        this.trunc = true;
      }
      n *= 10;
    }
    this.nd = w;
    this.trim();
  }

  private leftShift(k: i32): void {
    let delta = newDigits(this, k);
    let r = this.nd - 1;
    let w = this.nd + delta;
    let n: u64 = 0;
    for (; r >= 0; r--) {
      n += <u64>unchecked(this.d[r]) << <u64>k;
      let quo = n / 10;
      let rem = n - 10 * quo;
      w--;
      if (w < MAX_DIGITS) {
        unchecked((this.d[w] = <u8>rem));
      } else if (rem != 0) {
        this.trunc = true;
      }
      n = quo;
    }
    while (n > 0) {
      let quo = n / 10;
      let rem = n - 10 * quo;
      w--;
      if (w < MAX_DIGITS) {
        unchecked((this.d[w] = <u8>rem));
      } else if (rem != 0) {
        this.trunc = true;
      }
      n = quo;
    }
    this.nd += delta;
    if (this.nd > MAX_DIGITS) this.nd = MAX_DIGITS;
    this.dp += delta;
    this.trim();
  }

  /** shouldRoundUp reports whether rounding to nd digits goes up (half to even). */
  shouldRoundUp(nd: i32): bool {
    if (nd < 0 || nd >= this.nd) return false;
    let c = unchecked(this.d[nd]);
    if (c == 5 && nd + 1 == this.nd) {
      // exactly half: unless digits were dropped, round to even
      if (this.trunc) return true;
      return nd > 0 && (unchecked(this.d[nd - 1]) & 1) != 0;
    }
    return c >= 5;
  }

  roundTo(nd: i32): void {
    if (nd < 0 || nd >= this.nd) return;
    if (this.shouldRoundUp(nd)) this.roundUp(nd);
    else this.roundDown(nd);
  }

  roundDown(nd: i32): void {
    if (nd < 0 || nd >= this.nd) return;
    this.nd = nd;
    this.trim();
  }

  roundUp(nd: i32): void {
    if (nd < 0 || nd >= this.nd) return;
    for (let i = nd - 1; i >= 0; i--) {
      if (unchecked(this.d[i]) < 9) {
        unchecked((this.d[i] += 1));
        this.nd = i + 1;
        return;
      }
    }
    // all nines: the number becomes 1 followed by zeros
    unchecked((this.d[0] = 1));
    this.nd = 1;
    this.dp++;
  }

  /** roundedInteger returns the integer part, rounded half to even (value must fit in u64). */
  roundedInteger(): u64 {
    if (this.dp > 20) return u64.MAX_VALUE;
    let n: u64 = 0;
    let i = 0;
    for (; i < this.dp && i < this.nd; i++) n = n * 10 + <u64>unchecked(this.d[i]);
    for (; i < this.dp; i++) n *= 10;
    if (this.shouldRoundUp(this.dp)) n++;
    return n;
  }
}

/** newDigits is how many digits a left shift by k adds: 1 when the value crosses 10^x. */
function newDigits(a: Decimal, k: i32): i32 {
  // The shift adds floor(k·log10 2) or one more digit; decide by comparing with 5^k's digits
  // (v·2^k ≥ 10^x exactly when v ≥ 10^x/2^k = 5^k·10^(x-k)).
  let p = pow5(k);
  let delta = (k * 78913) >> 18; // floor(k·log10 2) for k < 1500
  // compare a's digits with 5^k's digits
  for (let i = 0; i < p.nd; i++) {
    if (i >= a.nd) return delta; // a shorter: smaller
    let x = unchecked(a.d[i]);
    let y = unchecked(p.d[i]);
    if (x != y) return x < y ? delta : delta + 1;
  }
  return delta + 1;
}

/** mul5 multiplies a small decimal by 5 (used to build 5^k for k <= 59). */
function mul5(p: Decimal): void {
  let carry: u32 = 0;
  for (let i = p.nd - 1; i >= 0; i--) {
    let v = <u32>unchecked(p.d[i]) * 5 + carry;
    unchecked((p.d[i] = <u8>(v % 10)));
    carry = v / 10;
  }
  if (carry > 0) {
    memory.copy(changetype<usize>(p.d) + 1, changetype<usize>(p.d), <usize>p.nd);
    unchecked((p.d[0] = <u8>carry));
    p.nd++;
    p.dp++;
  }
}

// Digits of 5^k for k in 0..MAX_SHIFT, built once per instance on first use.
let pow5Cache: StaticArray<Decimal> | null = null;

function pow5(k: i32): Decimal {
  let c = pow5Cache;
  if (c == null) {
    c = new StaticArray<Decimal>(MAX_SHIFT + 1);
    let p = new Decimal();
    p.setU64(1);
    for (let i = 0; i <= MAX_SHIFT; i++) {
      let q = new Decimal();
      q.copyFrom(p);
      unchecked((c[i] = q));
      mul5(p);
    }
    pow5Cache = c;
  }
  return unchecked(c[k]);
}

// Scratch decimals reused by formatF64 and parseF64 (a scorer instance is single-threaded).
const scratchV = new Decimal();
const scratchLo = new Decimal();
const scratchHi = new Decimal();

const F64_MANT_BITS: i32 = 52;
const F64_BIAS: i32 = -1023;

/**
 * shortestDigits leaves in d the shortest decimal digits that read back as the float64 with
 * mantissa mant (hidden bit included) and binary exponent exp (value = mant × 2^(exp-52)),
 * and, among equally short ones, the closest to the exact value.
 */
function shortestDigits(d: Decimal, mant: u64, exp: i32, denormalFloor: bool): void {
  d.setU64(mant);
  d.shift(exp - F64_MANT_BITS);
  // Upper bound: halfway to the next float.
  let upper = scratchHi;
  upper.setU64(mant * 2 + 1);
  upper.shift(exp - F64_MANT_BITS - 1);
  // Lower bound: halfway to the previous float; the gap below a power of two is half as wide
  // (except at the bottom of the normal range).
  let lower = scratchLo;
  if (mant > (<u64>1 << F64_MANT_BITS) || denormalFloor) {
    lower.setU64(mant * 2 - 1);
    lower.shift(exp - F64_MANT_BITS - 1);
  } else {
    lower.setU64(mant * 4 - 1);
    lower.shift(exp - F64_MANT_BITS - 2);
  }
  // A bound is itself a valid output only when the mantissa is even (reading rounds half to even).
  let inclusive = (mant & 1) == 0;

  // Walk the digits of upper; the other two are aligned to it by their decimal points.
  let upperDelta = 0; // 0: upper and d equal so far; 1: differ by one unit with 9s/0s following; 2: differ more
  for (let ui = 0; ; ui++) {
    let mi = ui - upper.dp + d.dp;
    if (mi >= d.nd) break;
    let li = ui - upper.dp + lower.dp;
    let l: i32 = 0;
    if (li >= 0 && li < lower.nd) l = <i32>unchecked(lower.d[li]);
    let m: i32 = 0;
    if (mi >= 0) m = <i32>unchecked(d.d[mi]);
    let u: i32 = 0;
    if (ui < upper.nd) u = <i32>unchecked(upper.d[ui]);

    // Rounding down to here is fine if lower differs from d already, or if lower ends exactly
    // here and is itself allowed.
    let okDown = l != m || (inclusive && li + 1 == lower.nd);
    if (upperDelta == 0 && m + 1 < u) upperDelta = 2;
    else if (upperDelta == 0 && m != u) upperDelta = 1;
    else if (upperDelta == 1 && (m != 9 || u != 0)) upperDelta = 2;
    // Rounding up is fine if d+1 at this place stays below upper (or equals an allowed upper).
    let okUp = upperDelta > 0 && (inclusive || upperDelta > 1 || ui + 1 < upper.nd);

    if (okDown && okUp) {
      d.roundTo(mi + 1);
      return;
    } else if (okDown) {
      d.roundDown(mi + 1);
      return;
    } else if (okUp) {
      d.roundUp(mi + 1);
      return;
    }
  }
}

// Integer-part digits of v, upper and lower for fastDigits (at most 17 digits below 2^55).
const intV = new StaticArray<u8>(20);
const intU = new StaticArray<u8>(20);
const intL = new StaticArray<u8>(20);

function intDigits(buf: StaticArray<u8>, v: u64, n: i32): void {
  for (let i = n - 1; i >= 0; i--) {
    unchecked((buf[i] = <u8>(v % 10)));
    v /= 10;
  }
}

/**
 * fastDigits is shortestDigits for 2^-6 <= v < 2^53 with a fraction part (1 to 58 fraction
 * bits): v and its two rounding bounds are fixed-point numbers in one u64 each, so their digits
 * come out in lockstep without the multi-precision decimal. Same decisions, same digits as
 * shortestDigits (the tests compare both with Go). Returns false outside that range.
 */
function fastDigits(d: Decimal, mant: u64, exp: i32, narrow: bool): bool {
  let s = 52 - exp; // fraction bits of v
  if (s < 1 || s > 58) return false;
  let sh = <u64>(s + 2);
  let mask = (<u64>1 << sh) - 1;
  let V = mant << 2;
  let U = V + 2;
  let L = narrow ? V - 1 : V - 2;
  let iv = V >> sh;
  let iu = U >> sh;
  let il = L >> sh;
  let fv = V & mask;
  let fu = U & mask;
  let fl = L & mask;
  let n = 0;
  for (let t = iu; t > 0; t /= 10) n++;
  intDigits(intV, iv, n);
  intDigits(intU, iu, n);
  intDigits(intL, il, n);
  let inclusive = (mant & 1) == 0;
  let half: u64 = <u64>1 << (sh - 1);

  // d collects v's digits from the first position (10^(n-1), or 10^-1 when n == 0) on.
  d.nd = 0;
  d.dp = n;
  d.trunc = false;
  let upperDelta = 0;
  for (let i = 0; ; i++) {
    let l: i32, m: i32, u: i32;
    if (i < n) {
      l = <i32>unchecked(intL[i]);
      m = <i32>unchecked(intV[i]);
      u = <i32>unchecked(intU[i]);
    } else {
      fv *= 10;
      fu *= 10;
      fl *= 10;
      m = <i32>(fv >> sh);
      u = <i32>(fu >> sh);
      l = <i32>(fl >> sh);
      fv &= mask;
      fu &= mask;
      fl &= mask;
    }
    // What is left after this position, for each number.
    let restV = fv != 0;
    let restU = fu != 0;
    let restL = fl != 0;
    for (let j = i + 1; j < n; j++) {
      if (unchecked(intV[j]) != 0) restV = true;
      if (unchecked(intU[j]) != 0) restU = true;
      if (unchecked(intL[j]) != 0) restL = true;
    }
    unchecked((d.d[d.nd++] = <u8>m));
    let okDown = l != m || (inclusive && l != 0 && !restL);
    if (upperDelta == 0 && m + 1 < u) upperDelta = 2;
    else if (upperDelta == 0 && m != u) upperDelta = 1;
    else if (upperDelta == 1 && (m != 9 || u != 0)) upperDelta = 2;
    let okUp = upperDelta > 0 && (inclusive || upperDelta > 1 || restU);
    if (okDown && okUp) {
      // round v to this position: compare what is left of v with half a unit here
      let up = false;
      if (i >= n - 1) {
        up = fv > half || (fv == half && (m & 1) != 0);
      } else {
        let rem: u64 = 0;
        let P: u64 = 1;
        for (let j = i + 1; j < n; j++) {
          rem = rem * 10 + <u64>unchecked(intV[j]);
          P *= 10;
        }
        up = 2 * rem > P || (2 * rem == P && (fv != 0 || (m & 1) != 0));
      }
      if (up) bumpLast(d);
      finishFast(d);
      return true;
    } else if (okDown) {
      finishFast(d);
      return true;
    } else if (okUp) {
      bumpLast(d);
      finishFast(d);
      return true;
    }
    if (!restV) break; // v's digits end here: it is its own shortest form
  }
  finishFast(d);
  return true;
}

/** bumpLast adds one unit in the last digit of d, carrying. */
function bumpLast(d: Decimal): void {
  for (let i = d.nd - 1; i >= 0; i--) {
    if (unchecked(d.d[i]) < 9) {
      unchecked((d.d[i] += 1));
      d.nd = i + 1;
      return;
    }
  }
  unchecked((d.d[0] = 1));
  d.nd = 1;
  d.dp++;
}

/** finishFast strips leading zeros (moving the decimal point) and trailing zeros. */
function finishFast(d: Decimal): void {
  let z = 0;
  while (z < d.nd && unchecked(d.d[z]) == 0) z++;
  if (z > 0) {
    memory.copy(changetype<usize>(d.d), changetype<usize>(d.d) + <usize>z, <usize>(d.nd - z));
    d.nd -= z;
    d.dp -= z;
  }
  d.trim();
}

/** digitsOf returns the shortest digits of a finite non-zero |f| into scratchV. */
function digitsOf(bits: u64): Decimal {
  let e = <i32>((bits >> 52) & 0x7ff);
  let mant = bits & ((<u64>1 << 52) - 1);
  let exp: i32;
  if (e == 0) {
    exp = 1 + F64_BIAS; // denormal
  } else {
    mant |= <u64>1 << 52;
    exp = e + F64_BIAS;
  }
  // Normalise a denormal's mantissa for the bound computation: not needed, the bounds use the
  // same exponent; only the narrower gap below a power of two depends on e.
  let narrow = !(mant > (<u64>1 << F64_MANT_BITS) || e <= 1);
  if (!fastDigits(scratchV, mant, exp, narrow)) shortestDigits(scratchV, mant, exp, e <= 1);
  return scratchV;
}

/**
 * appendF64 appends f to buf the way Go's encoding/json writes a float64: the shortest
 * round-tripping digits, plain notation for 1e-6 <= |f| < 1e21, otherwise d.ddde±x.
 * NaN and infinities are not JSON; callers must refuse them first.
 */
export function appendF64(buf: Bytes, f: f64): void {
  let bits = reinterpret<u64>(f);
  if (bits >> 63) buf.push(0x2d); // '-'
  bits &= 0x7fffffffffffffff;
  if (bits == 0) {
    buf.push(0x30);
    return;
  }
  // Fast path: integers below 2^53 print as themselves.
  let a = reinterpret<f64>(bits);
  if (a < 9007199254740992.0 && a == Math.floor(a) && a < 1e21) {
    buf.appendU64(<u64>a);
    return;
  }
  let d = digitsOf(bits);
  let useExp = a < 1e-6 || a >= 1e21;
  if (!useExp) {
    // %f: integer part, then the fraction
    if (d.dp <= 0) {
      buf.push(0x30);
    } else {
      for (let i = 0; i < d.dp; i++) buf.push(i < d.nd ? 0x30 + unchecked(d.d[i]) : 0x30);
    }
    if (d.nd > d.dp) {
      buf.push(0x2e);
      for (let i = d.dp; i < d.nd; i++) buf.push(i < 0 ? 0x30 : 0x30 + unchecked(d.d[i]));
    }
    return;
  }
  // %e: first digit, '.', the rest, 'e', sign, exponent (at least one digit, Go's json cleans
  // the two-digit e-0X to e-X but keeps e+XX)
  buf.push(0x30 + unchecked(d.d[0]));
  if (d.nd > 1) {
    buf.push(0x2e);
    for (let i = 1; i < d.nd; i++) buf.push(0x30 + unchecked(d.d[i]));
  }
  buf.push(0x65);
  let x = d.dp - 1;
  if (x < 0) {
    buf.push(0x2d);
    x = -x;
  } else {
    buf.push(0x2b);
  }
  if (x < 10) {
    // Go writes e+0X for positive single-digit exponents, e-X for negative ones.
    if (d.dp - 1 >= 0) buf.push(0x30);
    buf.push(0x30 + <u8>x);
  } else if (x < 100) {
    buf.push(0x30 + <u8>(x / 10));
    buf.push(0x30 + <u8>(x % 10));
  } else {
    buf.push(0x30 + <u8>(x / 100));
    buf.push(0x30 + <u8>((x / 10) % 10));
    buf.push(0x30 + <u8>(x % 10));
  }
}

/** formatF64 returns appendF64's text as a string. */
export function formatF64(f: f64): string {
  let b = new Bytes(32);
  appendF64(b, f);
  return b.toString();
}

// Exact powers of ten as float64 (10^22 is the largest exactly representable).
const EXACT_POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/** Result flags of parseNumber. */
export const PARSE_OK: i32 = 0;
export const PARSE_SYNTAX: i32 = 1;
export const PARSE_RANGE: i32 = 2;

/**
 * NumberParse is the outcome of reading a JSON number: its value, how many bytes it took,
 * and a status (PARSE_OK, PARSE_SYNTAX, or PARSE_RANGE when it overflows float64, as Go's
 * strconv.ParseFloat reports; the value is then ±Infinity).
 */
export class NumberParse {
  value: f64 = 0;
  len: i32 = 0;
  status: i32 = PARSE_OK;
  /** isInteger is true when the text had no fraction and no exponent. */
  isInteger: bool = false;
}

function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/**
 * parseNumber reads the JSON number at [ptr, end): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * with correct rounding (half to even), like Go's strconv.ParseFloat.
 */
export function parseNumber(ptr: usize, end: usize, out: NumberParse): void {
  let p = ptr;
  let neg = false;
  out.status = PARSE_OK;
  out.isInteger = true;
  if (p < end && load<u8>(p) == 0x2d) {
    neg = true;
    p++;
  }
  if (p >= end || !isDigit(load<u8>(p))) {
    out.status = PARSE_SYNTAX;
    out.len = <i32>(p - ptr);
    return;
  }
  let mant: u64 = 0;
  let nd = 0; // significant digits seen (after leading zeros)
  let ndMant = 0; // digits held in mant
  let dp = 0; // decimal point position relative to the significant digits
  let trunc = false;
  let digStart = p;
  let sawDot = false;
  let intDigits = 0;
  if (load<u8>(p) == 0x30) {
    p++;
    intDigits = 1;
    if (p < end && isDigit(load<u8>(p))) {
      out.status = PARSE_SYNTAX; // leading zero
      out.len = <i32>(p - ptr);
      return;
    }
  } else {
    while (p < end && isDigit(load<u8>(p))) {
      let c = <u64>(load<u8>(p) - 0x30);
      nd++;
      dp++;
      if (ndMant < 19) {
        mant = mant * 10 + c;
        ndMant++;
      } else if (c != 0) {
        trunc = true;
      }
      p++;
      intDigits++;
    }
  }
  if (p < end && load<u8>(p) == 0x2e) {
    sawDot = true;
    out.isInteger = false;
    p++;
    if (p >= end || !isDigit(load<u8>(p))) {
      out.status = PARSE_SYNTAX;
      out.len = <i32>(p - ptr);
      return;
    }
    while (p < end && isDigit(load<u8>(p))) {
      let c = <u64>(load<u8>(p) - 0x30);
      if (nd == 0 && c == 0) {
        dp--; // leading zeros of the fraction
      } else {
        nd++;
        if (ndMant < 19) {
          mant = mant * 10 + c;
          ndMant++;
        } else if (c != 0) {
          trunc = true;
        }
      }
      p++;
    }
  }
  let exp10 = 0;
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    out.isInteger = false;
    p++;
    let eneg = false;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) {
      eneg = load<u8>(p) == 0x2d;
      p++;
    }
    if (p >= end || !isDigit(load<u8>(p))) {
      out.status = PARSE_SYNTAX;
      out.len = <i32>(p - ptr);
      return;
    }
    while (p < end && isDigit(load<u8>(p))) {
      if (exp10 < 100000) exp10 = exp10 * 10 + <i32>(load<u8>(p) - 0x30);
      p++;
    }
    if (eneg) exp10 = -exp10;
  }
  out.len = <i32>(p - ptr);
  if (nd == 0) {
    out.value = neg ? -0.0 : 0.0;
    return;
  }
  // value = 0.digits × 10^(dp + exp10) = mant × 10^(dp + exp10 - ndMant) when not truncated
  let e = dp + exp10 - ndMant;
  if (!trunc && ndMant == nd && mant < (<u64>1 << 53)) {
    let f = <f64>mant;
    if (e == 0) {
      out.value = neg ? -f : f;
      return;
    }
    if (e > 0 && e <= 22) {
      let v = f * unchecked(EXACT_POW10[e]);
      out.value = neg ? -v : v;
      return;
    }
    if (e < 0 && e >= -22) {
      let v = f / unchecked(EXACT_POW10[-e]);
      out.value = neg ? -v : v;
      return;
    }
  }
  // Slow path: the exact decimal of every digit, then round it to 53 bits.
  let d = scratchV;
  d.nd = 0;
  d.trunc = false;
  d.dp = dp + exp10;
  let seen = 0;
  for (let q = digStart; q < end; q++) {
    let c = <u32>load<u8>(q);
    if (c == 0x2e) continue;
    if (!isDigit(c)) break;
    if (d.nd == 0 && c == 0x30) continue; // leading zeros (their places are in dp already)
    if (d.nd < MAX_DIGITS) unchecked((d.d[d.nd++] = <u8>(c - 0x30)));
    else if (c != 0x30) d.trunc = true;
    seen++;
    if (seen >= nd) break;
  }
  d.trim();
  let bits = decimalToBits(d);
  if (bits == 0x7ff0000000000000) out.status = PARSE_RANGE;
  let v = reinterpret<f64>(bits);
  out.value = neg ? -v : v;
}

// Binary shifts that bring a decimal with dp = i digits before the point below 1 (log2(10^i)).
const POW_SHIFT: StaticArray<i32> = [1, 3, 6, 9, 13, 16, 19, 23, 26];

/** decimalToBits rounds the exact decimal d (> 0) to the nearest float64's bits (half to even). */
function decimalToBits(d: Decimal): u64 {
  if (d.nd == 0) return 0;
  if (d.dp > 310) return 0x7ff0000000000000;
  if (d.dp < -330) return 0;
  let exp = 0;
  // Scale into [0.5, 1).
  while (d.dp > 0) {
    let n = d.dp >= POW_SHIFT.length ? 27 : unchecked(POW_SHIFT[d.dp]);
    d.shift(-n);
    exp += n;
  }
  while (d.dp < 0 || (d.dp == 0 && unchecked(d.d[0]) < 5)) {
    let n = -d.dp >= POW_SHIFT.length ? 27 : unchecked(POW_SHIFT[-d.dp]);
    d.shift(n);
    exp -= n;
  }
  // Now value = d × 2^exp with d in [0.5, 1): the float's exponent is exp-1.
  exp--;
  if (exp < F64_BIAS + 1) {
    let n = F64_BIAS + 1 - exp;
    d.shift(-n);
    exp += n;
  }
  if (exp - F64_BIAS >= 0x7ff) return 0x7ff0000000000000;
  d.shift(F64_MANT_BITS + 1);
  let mant = d.roundedInteger();
  if (mant == <u64>2 << F64_MANT_BITS) {
    mant >>= 1;
    exp++;
    if (exp - F64_BIAS >= 0x7ff) return 0x7ff0000000000000;
  }
  if ((mant & (<u64>1 << F64_MANT_BITS)) == 0) exp = F64_BIAS; // denormal
  return (<u64>(exp - F64_BIAS) << 52) | (mant & ((<u64>1 << F64_MANT_BITS) - 1));
}

/**
 * Bytes is a growable byte buffer: the kit builds every message in one, and hands its bytes to
 * the host without copying.
 */
export class Bytes {
  ptr: usize;
  len: i32 = 0;
  cap: i32;

  constructor(cap: i32 = 256) {
    if (cap < 16) cap = 16;
    this.cap = cap;
    this.ptr = heap.alloc(<usize>cap);
  }

  @inline
  reserve(n: i32): void {
    if (this.len + n > this.cap) this.grow(this.len + n);
  }

  private grow(min: i32): void {
    let c = this.cap * 2;
    if (c < min) c = min;
    this.ptr = heap.realloc(this.ptr, <usize>c);
    this.cap = c;
  }

  @inline
  push(b: u32): void {
    if (this.len >= this.cap) this.grow(this.len + 1);
    store<u8>(this.ptr + <usize>this.len, <u8>b);
    this.len++;
  }

  /** appendRaw copies n bytes from p. */
  appendRaw(p: usize, n: i32): void {
    this.reserve(n);
    memory.copy(this.ptr + <usize>this.len, p, <usize>n);
    this.len += n;
  }

  /** appendASCII appends a string known to be ASCII (no escaping). */
  appendASCII(s: string): void {
    let n = s.length;
    this.reserve(n);
    let src = changetype<usize>(s);
    let dst = this.ptr + <usize>this.len;
    for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, <u8>load<u16>(src + (<usize>i << 1)));
    this.len += n;
  }

  appendU64(v: u64): void {
    if (v == 0) {
      this.push(0x30);
      return;
    }
    let n = 0;
    let t = v;
    while (t > 0) {
      n++;
      t /= 10;
    }
    this.reserve(n);
    for (let i = n - 1; i >= 0; i--) {
      store<u8>(this.ptr + <usize>(this.len + i), <u8>(0x30 + v % 10));
      v /= 10;
    }
    this.len += n;
  }

  appendI64(v: i64): void {
    if (v < 0) {
      this.push(0x2d);
      this.appendU64(<u64>(-(v + 1)) + 1);
    } else {
      this.appendU64(<u64>v);
    }
  }

  /** toString decodes the bytes as UTF-8. */
  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }

  /** toUint8Array copies the bytes out. */
  toUint8Array(): Uint8Array {
    let a = new Uint8Array(this.len);
    memory.copy(a.dataStart, this.ptr, <usize>this.len);
    return a;
  }
}
