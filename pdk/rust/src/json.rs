//! A small JSON reader and writer that reads and prints exactly as Go's encoding/json does, so a
//! Rust scorer gives the same bytes as the Go kit: floats with the shortest round-trip digits in
//! Go's form, strings escaped as Go escapes them (`<`, `>`, `&`, U+2028 and U+2029 too), keys
//! matched as Go matches struct fields.
//!
//! Reading never recurses: [`Json::parse`] checks a whole document with an explicit stack (Go's
//! depth limit, 10000), and a [`Json`] is a view of checked text whose members and elements are
//! found by scanning, so a deeply nested answer costs no stack.

use std::fmt;

/// Nesting deeper than this is refused, as Go's encoding/json refuses it.
pub const MAX_DEPTH: usize = 10000;

/// Error is why a text is not JSON, with the byte offset where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Offset is the byte at which the text stopped being JSON.
    pub offset: usize,
    /// Msg says what was wrong.
    pub msg: &'static str,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.msg)
    }
}

impl std::error::Error for Error {}

/// Kind is the type of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Absent: the field was not there at all.
    Absent,
    /// Null is `null`.
    Null,
    /// Bool is `true` or `false`.
    Bool,
    /// Number is a number literal.
    Number,
    /// String is a string.
    String,
    /// Array is `[…]`.
    Array,
    /// Object is `{…}`.
    Object,
}

/// Json is a view of one checked JSON value (or of nothing: [`Json::absent`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Json<'a> {
    text: &'a [u8],
}

impl fmt::Debug for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Json({})", String::from_utf8_lossy(self.text))
    }
}

impl Default for Json<'_> {
    fn default() -> Self {
        Json::absent()
    }
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\n' || c == b'\r'
}

pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

impl<'a> Json<'a> {
    /// Absent is the view of a missing value.
    pub const fn absent() -> Json<'static> {
        Json { text: b"" }
    }

    /// Parse checks that text is exactly one JSON value (surrounding white space allowed) and
    /// returns a view of it.
    pub fn parse(text: &'a [u8]) -> Result<Json<'a>, Error> {
        let start = skip_ws(text, 0);
        let end = check_value(text, start)?;
        let rest = skip_ws(text, end);
        if rest != text.len() {
            return Err(Error { offset: rest, msg: "data after the value" });
        }
        Ok(Json { text: &text[start..end] })
    }

    /// checked is the view of text that check_value accepted (kit-internal).
    pub(crate) fn checked(text: &'a [u8]) -> Json<'a> {
        Json { text }
    }

    /// Bytes returns the value's text as it was read.
    pub fn bytes(&self) -> &'a [u8] {
        self.text
    }

    /// Kind returns the value's type.
    pub fn kind(&self) -> Kind {
        match self.text.first() {
            None => Kind::Absent,
            Some(b'n') => Kind::Null,
            Some(b't') | Some(b'f') => Kind::Bool,
            Some(b'"') => Kind::String,
            Some(b'[') => Kind::Array,
            Some(b'{') => Kind::Object,
            _ => Kind::Number,
        }
    }

    /// IsAbsent reports a missing value.
    pub fn is_absent(&self) -> bool {
        self.text.is_empty()
    }

    /// IsNull reports `null`.
    pub fn is_null(&self) -> bool {
        self.text == b"null"
    }

    /// AsBool returns the value of `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.text {
            b"true" => Some(true),
            b"false" => Some(false),
            _ => None,
        }
    }

    /// AsF64 returns a number as the nearest float64, or None when the value is not a number
    /// or lies beyond float64's range (Go refuses both into a float64).
    pub fn as_f64(&self) -> Option<f64> {
        if self.kind() != Kind::Number {
            return None;
        }
        if let Some(v) = fast_f64(self.text) {
            return Some(v);
        }
        let s = std::str::from_utf8(self.text).ok()?;
        let v: f64 = s.parse().ok()?;
        if v.is_infinite() {
            return None;
        }
        Some(v)
    }

    /// AsU64 returns a number written as a non-negative integer (digits only, as Go's decoding
    /// into an unsigned field requires) that fits in u64.
    pub fn as_u64(&self) -> Option<u64> {
        digits_u64(self.text)
    }

    /// AsI64 returns a number written as an integer (optional minus, digits) that fits in i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self.text.strip_prefix(b"-") {
            Some(d) => {
                let v = digits_u64(d)?;
                if v > i64::MAX as u64 + 1 {
                    return None;
                }
                Some((v as i64).wrapping_neg())
            }
            None => i64::try_from(digits_u64(self.text)?).ok(),
        }
    }

    /// AsStr returns a string's value decoded as Go decodes it: escapes resolved, a lone
    /// surrogate or an invalid UTF-8 byte becomes U+FFFD.
    pub fn as_str(&self) -> Option<String> {
        if self.kind() != Kind::String {
            return None;
        }
        Some(decode_string(self.text))
    }

    /// Members iterates over an object's key/value pairs in order (nothing for other kinds).
    pub fn members(&self) -> Members<'a> {
        Members { b: self.text, i: if self.kind() == Kind::Object { 1 } else { self.text.len() } }
    }

    /// Elements iterates over an array's values in order (nothing for other kinds).
    pub fn elements(&self) -> Elements<'a> {
        Elements { b: self.text, i: if self.kind() == Kind::Array { 1 } else { self.text.len() } }
    }

    /// Get returns the member named key exactly (the last one when it repeats, as Go keeps
    /// the last), or an absent value.
    pub fn get(&self, key: &str) -> Json<'a> {
        let mut found = Json::absent();
        for (k, v) in self.members() {
            if k.eq(key) {
                found = v;
            }
        }
        found
    }
}

/// digits_u64 reads a non-empty run of ASCII digits that fits in u64 (leading zeros allowed).
fn digits_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        // 19 digits always fit; only a longer run needs the (costly in Wasm) overflow checks.
        v = if b.len() <= 19 { v * 10 + (c - b'0') as u64 } else { v.checked_mul(10)?.checked_add((c - b'0') as u64)? };
    }
    Some(v)
}

/// fast_f64 reads a checked number whose digits fit in 2^53 and whose power of ten is at most
/// 22 in size: then m * 10^k or m / 10^k is one correctly rounded operation (Clinger's fast
/// path), cheaper in Wasm than the general algorithm, whose 128-bit products wasm32 emulates.
fn fast_f64(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
        1e21, 1e22,
    ];
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i = 1;
    }
    let mut m: u64 = 0;
    let mut digits = 0;
    let mut scale: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        if m != 0 || b[i] != b'0' {
            digits += 1;
        }
        if digits > 19 {
            return None;
        }
        m = m * 10 + (b[i] - b'0') as u64;
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            if m != 0 || b[i] != b'0' {
                digits += 1;
            }
            if digits > 19 {
                return None;
            }
            m = m * 10 + (b[i] - b'0') as u64;
            scale -= 1;
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut eneg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            eneg = b[i] == b'-';
            i += 1;
        }
        let mut ex: i64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            if ex > 10000 {
                return None;
            }
            ex = ex * 10 + (b[i] - b'0') as i64;
            i += 1;
        }
        scale += if eneg { -ex } else { ex };
    }
    if m > (1u64 << 53) || !(-22..=22).contains(&scale) {
        return None;
    }
    let d = m as f64;
    let d = if scale < 0 { d / POW10[(-scale) as usize] } else { d * POW10[scale as usize] };
    Some(if neg { -d } else { d })
}

/// Key is an object member's name, undecoded.
#[derive(Clone, Copy, Debug)]
pub struct Key<'a> {
    raw: &'a [u8], // with the quotes
}

impl<'a> Key<'a> {
    /// Decode returns the key's text, escapes resolved as Go resolves them.
    pub fn decode(&self) -> String {
        decode_string(self.raw)
    }

    /// Name returns what the key decodes to: its own bytes when it has no escapes.
    pub fn name(&self) -> std::borrow::Cow<'a, [u8]> {
        match self.plain() {
            Some(b) => std::borrow::Cow::Borrowed(b),
            None => std::borrow::Cow::Owned(self.decode().into_bytes()),
        }
    }

    /// Plain returns the key's bytes when it has no escapes (what it decodes to), else None.
    pub fn plain(&self) -> Option<&'a [u8]> {
        let inner = &self.raw[1..self.raw.len() - 1];
        if inner.contains(&b'\\') {
            None
        } else {
            Some(inner)
        }
    }

    /// Eq reports whether the decoded key is exactly name.
    pub fn eq(&self, name: &str) -> bool {
        let inner = &self.raw[1..self.raw.len() - 1];
        if !inner.contains(&b'\\') && inner.is_ascii() {
            return inner == name.as_bytes();
        }
        self.decode() == name
    }

    /// EqFold reports whether the key names the struct field name as Go's encoding/json
    /// matches keys to fields: exactly, or case-insensitively with Unicode simple folding
    /// (so "ANSWER", and "an\u017fwer" with the long s, name the field "answer"). name must
    /// be ASCII.
    pub fn eq_fold(&self, name: &str) -> bool {
        let inner = &self.raw[1..self.raw.len() - 1];
        if !inner.contains(&b'\\') && inner.is_ascii() {
            return inner.eq_ignore_ascii_case(name.as_bytes());
        }
        let key = self.decode();
        let mut a = key.chars();
        let mut b = name.chars();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(x), Some(y)) => {
                    let x = match x {
                        '\u{17f}' => 's',
                        '\u{212a}' => 'k',
                        _ => x,
                    };
                    if !x.eq_ignore_ascii_case(&y) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }
}

/// Members iterates over an object's members.
pub struct Members<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (Key<'a>, Json<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.b;
        let mut i = skip_ws(b, self.i);
        if i >= b.len() || b[i] == b'}' {
            self.i = b.len();
            return None;
        }
        if b[i] == b',' {
            i = skip_ws(b, i + 1);
        }
        let ks = i;
        let ke = scan_valid(b, ks);
        i = skip_ws(b, ke);
        i = skip_ws(b, i + 1); // ':'
        let vs = i;
        let ve = scan_valid(b, vs);
        self.i = ve;
        Some((Key { raw: &b[ks..ke] }, Json { text: &b[vs..ve] }))
    }
}

/// Elements iterates over an array's elements.
pub struct Elements<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Json<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.b;
        let mut i = skip_ws(b, self.i);
        if i >= b.len() || b[i] == b']' {
            self.i = b.len();
            return None;
        }
        if b[i] == b',' {
            i = skip_ws(b, i + 1);
        }
        let e = scan_valid(b, i);
        self.i = e;
        Some(Json { text: &b[i..e] })
    }
}

/// scan_valid returns the end of the checked value starting at i.
fn scan_valid(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                loop {
                    i = skip_plain(b, i);
                    match b[i] {
                        b'"' => break,
                        b'\\' => i += 2,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
                i += 1;
            }
            b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' => {
                if depth == 0 {
                    return i;
                }
                i += 1;
            }
            _ => i += 1,
        }
        if depth == 0 && i > 0 && (b[i - 1] == b'"' || b[i - 1] == b'}' || b[i - 1] == b']') {
            return i;
        }
    }
    i
}

/// Stack holds the open containers of check_value_at (b'{' or b'['): the first ones inline,
/// so checking a small value allocates nothing.
struct Stack {
    small: [u8; 32],
    n: usize,
    big: Vec<u8>,
}

impl Stack {
    fn len(&self) -> usize {
        self.n
    }
    fn push(&mut self, c: u8) {
        if self.n < self.small.len() {
            self.small[self.n] = c;
        } else {
            self.big.push(c);
        }
        self.n += 1;
    }
    fn pop(&mut self) {
        self.n -= 1;
        if self.n >= self.small.len() {
            self.big.pop();
        }
    }
    fn last(&self) -> Option<&u8> {
        match self.n {
            0 => None,
            n if n <= self.small.len() => Some(&self.small[n - 1]),
            _ => self.big.last(),
        }
    }
}

/// check_value checks one value starting at i (no leading white space) and returns its end.
fn check_value(b: &[u8], i: usize) -> Result<usize, Error> {
    check_value_at(b, i, 0)
}

/// check_value_at checks one value starting at i that lies inside depth open containers (the
/// depth limit counts them too) and returns its end.
pub(crate) fn check_value_at(b: &[u8], i: usize, depth: usize) -> Result<usize, Error> {
    let mut stack = Stack { small: [0; 32], n: depth, big: Vec::new() };
    let base = depth;
    let mut i = i;
    loop {
        // expect a value at i
        i = skip_ws(b, i);
        if i >= b.len() {
            return Err(Error { offset: i, msg: "unexpected end of input" });
        }
        match b[i] {
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Error { offset: i, msg: "exceeded max depth" });
                }
                let open = b[i];
                stack.push(open);
                i = skip_ws(b, i + 1);
                let close = if open == b'{' { b'}' } else { b']' };
                if i < b.len() && b[i] == close {
                    stack.pop();
                    i += 1;
                } else {
                    if open == b'{' {
                        i = check_key(b, i)?;
                    }
                    continue;
                }
            }
            b'"' => i = check_string(b, i)?,
            b't' => i = check_lit(b, i, b"true")?,
            b'f' => i = check_lit(b, i, b"false")?,
            b'n' => i = check_lit(b, i, b"null")?,
            b'-' | b'0'..=b'9' => i = check_number(b, i)?,
            _ => return Err(Error { offset: i, msg: "invalid character looking for a value" }),
        }
        // after a value: close containers or find the next member/element
        loop {
            if stack.len() == base {
                return Ok(i);
            }
            let top = match stack.last() {
                None => return Ok(i),
                Some(&t) => t,
            };
            i = skip_ws(b, i);
            if i >= b.len() {
                return Err(Error { offset: i, msg: "unexpected end of input" });
            }
            let close = if top == b'{' { b'}' } else { b']' };
            if b[i] == close {
                stack.pop();
                i += 1;
                continue;
            }
            if b[i] != b',' {
                return Err(Error { offset: i, msg: "expected , or a closing bracket" });
            }
            i = skip_ws(b, i + 1);
            if top == b'{' {
                i = check_key(b, i)?;
            }
            break;
        }
    }
}

fn check_key(b: &[u8], i: usize) -> Result<usize, Error> {
    if i >= b.len() || b[i] != b'"' {
        return Err(Error { offset: i, msg: "expected a string key" });
    }
    let i = skip_ws(b, check_string(b, i)?);
    if i >= b.len() || b[i] != b':' {
        return Err(Error { offset: i, msg: "expected : after a key" });
    }
    Ok(i + 1)
}

fn check_lit(b: &[u8], i: usize, lit: &[u8]) -> Result<usize, Error> {
    if b.len() >= i + lit.len() && &b[i..i + lit.len()] == lit {
        Ok(i + lit.len())
    } else {
        Err(Error { offset: i, msg: "invalid literal" })
    }
}

pub(crate) fn check_string(b: &[u8], mut i: usize) -> Result<usize, Error> {
    i += 1;
    loop {
        i = skip_plain(b, i);
        if i >= b.len() {
            return Err(Error { offset: i, msg: "unterminated string" });
        }
        match b[i] {
            b'"' => return Ok(i + 1),
            b'\\' => {
                if i + 1 >= b.len() {
                    return Err(Error { offset: i, msg: "unterminated string" });
                }
                match b[i + 1] {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        if i + 6 > b.len() || !b[i + 2..i + 6].iter().all(|c| c.is_ascii_hexdigit()) {
                            return Err(Error { offset: i, msg: "invalid \\u escape" });
                        }
                        i += 6;
                    }
                    _ => return Err(Error { offset: i, msg: "invalid escape" }),
                }
            }
            c if c < 0x20 => return Err(Error { offset: i, msg: "control character in string" }),
            _ => i += 1,
        }
    }
}

pub(crate) fn check_number(b: &[u8], mut i: usize) -> Result<usize, Error> {
    let bad = |i| Err(Error { offset: i, msg: "invalid number" });
    if b[i] == b'-' {
        i += 1;
    }
    if i >= b.len() {
        return bad(i);
    }
    if b[i] == b'0' {
        i += 1;
    } else if b[i].is_ascii_digit() {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    } else {
        return bad(i);
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if i >= b.len() || !b[i].is_ascii_digit() {
            return bad(i);
        }
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return bad(i);
        }
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    Ok(i)
}

/// skip_plain returns the index of the first byte from i that a string's scan must look at
/// (`"`, `\\`, a control character), looking at eight bytes per step while eight remain, or
/// the index where fewer than eight remain. A string is mostly plain bytes: a step per word
/// instead of per byte makes the scan several times cheaper in Wasm, where every step of a
/// loop pays bounds checks and the gas meter.
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]); // one unaligned load
        let w = u64::from_le_bytes(word);
        let q = w ^ (ONES * b'"' as u64);
        let s = w ^ (ONES * b'\\' as u64);
        // The bit trick sets the high bit of each byte of v that is zero (or below 0x20); a
        // borrow can also set it in a later byte, never in an earlier one, so the lowest bit
        // set marks the first special byte exactly.
        let special = ((q.wrapping_sub(ONES) & !q) | (s.wrapping_sub(ONES) & !s) | (w.wrapping_sub(ONES * 0x20) & !w)) & HIGH;
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let mut v = 0u32;
    for &c in &b[..4] {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// decode_string decodes a checked string token (quotes included) as Go's encoding/json does.
pub(crate) fn decode_string(tok: &[u8]) -> String {
    let s = &tok[1..tok.len() - 1];
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'\\' {
            let e = s[i + 1];
            i += 2;
            let simple = match e {
                b'b' => Some(8u8),
                b'f' => Some(12),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'u' => None,
                other => Some(other),
            };
            if let Some(ch) = simple {
                out.push(ch);
                continue;
            }
            let mut r = hex4(&s[i..]).unwrap_or(0xfffd);
            i += 4;
            if (0xd800..0xe000).contains(&r) {
                let mut pair = None;
                if r < 0xdc00 && s.len() >= i + 6 && s[i] == b'\\' && s[i + 1] == b'u' {
                    if let Some(lo) = hex4(&s[i + 2..]) {
                        if (0xdc00..0xe000).contains(&lo) {
                            pair = Some(0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00));
                        }
                    }
                }
                match pair {
                    Some(p) => {
                        r = p;
                        i += 6;
                    }
                    None => r = 0xfffd,
                }
            }
            let ch = char::from_u32(r).unwrap_or('\u{fffd}');
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        // a run of plain bytes, invalid UTF-8 replaced byte by byte as Go does
        let start = i;
        while i < s.len() && s[i] != b'\\' {
            i += 1;
        }
        push_utf8_lossy_per_byte(&mut out, &s[start..i]);
    }
    // out holds valid UTF-8 only
    String::from_utf8(out).unwrap_or_default()
}

fn push_utf8_lossy_per_byte(out: &mut Vec<u8>, mut b: &[u8]) {
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.extend_from_slice(s.as_bytes());
                return;
            }
            Err(e) => {
                let ok = e.valid_up_to();
                out.extend_from_slice(&b[..ok]);
                out.extend_from_slice("\u{fffd}".as_bytes());
                b = &b[ok + 1..];
            }
        }
    }
}

// ---- writing ----------------------------------------------------------------------------

/// write_f64 appends v as Go's encoding/json prints a float64: the shortest digits that read
/// back as v, plain for 1e-6 <= |v| < 1e21, else with an exponent ("1e-7", "1.5e+300").
/// NaN and infinities have no JSON form: Err names the value.
pub fn write_f64(out: &mut Vec<u8>, v: f64) -> Result<(), String> {
    if v.is_nan() || v.is_infinite() {
        return Err(format!("json: unsupported value: {}", go_special(v)));
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
        return Ok(());
    }
    if v < 0.0 {
        out.push(b'-');
    }
    let a = v.abs();
    let mut digits = [0u8; 24];
    let (n, exp) = crate::ryu::shortest(a, &mut digits);
    let digits = &digits[..n];
    if a < 1e-6 || a >= 1e21 {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        if exp < 0 {
            out.push(b'-');
            write_uint(out, (-exp) as u64);
        } else {
            out.push(b'+');
            if exp < 10 {
                out.push(b'0');
            }
            write_uint(out, exp as u64);
        }
        return Ok(());
    }
    let point = exp + 1; // digits before the decimal point
    let n = digits.len() as i32;
    if point <= 0 {
        out.extend_from_slice(b"0.");
        for _ in 0..-point {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
    } else if point >= n {
        out.extend_from_slice(digits);
        for _ in 0..point - n {
            out.push(b'0');
        }
    } else {
        out.extend_from_slice(&digits[..point as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[point as usize..]);
    }
    Ok(())
}

/// write_uint appends v in decimal, without allocating.
pub fn write_uint(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn go_special(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// write_string appends s as a JSON string escaped as Go's encoding/json escapes it: `"` and
/// `\`, \b \f \n \r \t, other control characters and `<`, `>`, `&` as \u00XX, U+2028 and
/// U+2029 as \u2028 and \u2029.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let b = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let esc: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            8 => Some(b"\\b"),
            12 => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            _ => None,
        };
        if let Some(e) = esc {
            out.extend_from_slice(&b[start..i]);
            out.extend_from_slice(e);
            i += 1;
            start = i;
        } else if c < 0x20 || c == b'<' || c == b'>' || c == b'&' {
            out.extend_from_slice(&b[start..i]);
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 15) as usize]);
            i += 1;
            start = i;
        } else if c == 0xe2 && i + 2 < b.len() && b[i + 1] == 0x80 && (b[i + 2] == 0xa8 || b[i + 2] == 0xa9) {
            out.extend_from_slice(&b[start..i]);
            out.extend_from_slice(if b[i + 2] == 0xa8 { b"\\u2028" } else { b"\\u2029" });
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// write_compact appends the checked JSON value v without insignificant white space and with
/// `<`, `>`, `&`, U+2028 and U+2029 escaped, as Go's encoding/json writes a json.RawMessage.
pub fn write_compact(out: &mut Vec<u8>, v: Json<'_>) {
    let b = v.bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                out.push(c);
                out.push(b[i + 1]);
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
        } else if is_ws(c) {
            i += 1;
            continue;
        } else if c == b'"' {
            in_str = true;
        }
        if c == b'<' || c == b'>' || c == b'&' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 15) as usize]);
        } else if c == 0xe2 && i + 2 < b.len() && b[i + 1] == 0x80 && (b[i + 2] == 0xa8 || b[i + 2] == 0xa9) {
            out.extend_from_slice(if b[i + 2] == 0xa8 { b"\\u2028" } else { b"\\u2029" });
            i += 3;
            continue;
        } else {
            out.push(c);
        }
        i += 1;
    }
}

// ---- base64 -------------------------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// write_base64 appends b in standard base64 with padding (Go's encoding of a []byte).
pub fn write_base64(out: &mut Vec<u8>, b: &[u8]) {
    // The room is made once and written in place: four characters per three bytes.
    let start = out.len();
    out.resize(start + (b.len() + 2) / 3 * 4, 0);
    let dst = &mut out[start..];
    let whole = b.len() / 3;
    for (o, ch) in dst.chunks_exact_mut(4).zip(b.chunks_exact(3)) {
        let n = (ch[0] as u32) << 16 | (ch[1] as u32) << 8 | ch[2] as u32;
        o[0] = B64[(n >> 18) as usize & 63];
        o[1] = B64[(n >> 12) as usize & 63];
        o[2] = B64[(n >> 6) as usize & 63];
        o[3] = B64[n as usize & 63];
    }
    let rest = &b[whole * 3..];
    if !rest.is_empty() {
        let n = (rest[0] as u32) << 16 | (*rest.get(1).unwrap_or(&0) as u32) << 8;
        let o = &mut dst[whole * 4..];
        o[0] = B64[(n >> 18) as usize & 63];
        o[1] = B64[(n >> 12) as usize & 63];
        o[2] = if rest.len() > 1 { B64[(n >> 6) as usize & 63] } else { b'=' };
        o[3] = b'=';
    }
}

/// decode_base64 decodes standard base64 with padding, ignoring \r and \n as Go does.
pub fn decode_base64(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut quad = [0u8; 4];
    let mut n = 0;
    let mut pad = 0;
    for &c in s {
        if c == b'\r' || c == b'\n' {
            continue;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                0
            }
            _ => return Err("illegal base64 data".to_string()),
        };
        if pad > 0 && c != b'=' {
            return Err("illegal base64 data".to_string());
        }
        quad[n] = v;
        n += 1;
        if n == 4 {
            let x = (quad[0] as u32) << 18 | (quad[1] as u32) << 12 | (quad[2] as u32) << 6 | quad[3] as u32;
            out.push((x >> 16) as u8);
            if pad < 2 {
                out.push((x >> 8) as u8);
            }
            if pad < 1 {
                out.push(x as u8);
            }
            n = 0;
            if pad > 0 {
                break;
            }
        }
    }
    if n != 0 || pad > 2 {
        return Err("illegal base64 data".to_string());
    }
    Ok(out)
}
