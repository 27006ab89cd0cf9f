//! The one-pass reader of the Round message: it checks and decodes in the same walk, where the
//! reference reader (`Round::parse_checked`) checks the whole text, then finds every member and
//! element again by scanning. A Round of 4096 miners is mostly the miners array, so one walk
//! instead of four is most of the difference.
//!
//! It takes on only what the host writes: keys without escapes, fields of the types ABI v1
//! gives them. Anything else (and every syntax error) makes it give up with `None`, and
//! `Round::parse` reads the message again with the reference reader, which then gives the
//! result or the error. So the reader never decides an outcome alone: whenever it returns a
//! Round, the reference reader returns the same one (plugins/lang_rust_test.go checks this on
//! mangled messages through the probe crate).

use crate::json::{check_number, check_string, check_value_at, decode_string, skip_ws, Json};
use crate::{Miner, Round, Validator};

/// round reads msg in one pass, or gives up (`None`).
pub(crate) fn round(msg: &[u8]) -> Option<Round<'_>> {
    let mut c = Cursor { b: msg, i: 0 };
    let mut r = Round::default();
    c.object(|c, key| {
        match key {
            b"abi" => r.abi = c.int()?,
            b"netuid" => r.netuid = c.u16()?,
            b"block" => r.block = c.uint()?,
            b"block_hash" => r.block_hash = c.string()?,
            b"block_time_ms" => r.block_time_ms = c.int()?,
            b"seed" => r.seed = c.string()?,
            b"validator" => {
                if c.peek()? == b'{' {
                    let mut v = Validator { uid: r.validator.uid, hotkey: std::mem::take(&mut r.validator.hotkey) };
                    c.object(|c, key| {
                        match key {
                            b"uid" => v.uid = c.u16()?,
                            b"hotkey" => v.hotkey = c.string()?,
                            _ => {
                                c.value(2)?;
                            }
                        }
                        Some(())
                    })?;
                    r.validator = v;
                } else {
                    // Not an object: the reference reader finds no members in it.
                    c.value(1)?;
                }
            }
            b"challenge" => r.challenge = c.value(1)?,
            b"miners" => {
                r.miners.clear();
                c.miners(&mut r.miners)?;
            }
            b"state" => {
                let s = c.string()?;
                r.state = crate::json::decode_base64(s.as_bytes()).ok()?;
            }
            _ => {
                c.value(1)?;
            }
        }
        Some(())
    })?;
    if skip_ws(msg, c.i) != msg.len() {
        return None;
    }
    Some(r)
}

/// Cursor walks a message, checking every byte it passes as Go's scanner does.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    /// peek skips white space and returns the next byte.
    fn peek(&mut self) -> Option<u8> {
        self.i = skip_ws(self.b, self.i);
        self.b.get(self.i).copied()
    }

    /// eat consumes c, after white space, when it is next.
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// value checks any value inside depth open containers and returns its view.
    fn value(&mut self, depth: usize) -> Option<Json<'a>> {
        let s = skip_ws(self.b, self.i);
        let e = check_value_at(self.b, s, depth).ok()?;
        self.i = e;
        Some(Json::checked(&self.b[s..e]))
    }

    /// null consumes the literal null when it is next.
    fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    /// object walks an object, calling f with each key (no escapes) and the cursor on its
    /// value; f reads or skips the value.
    fn object(&mut self, mut f: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.key()?;
            f(self, key)?;
            if self.eat(b',') {
                continue;
            }
            return if self.eat(b'}') { Some(()) } else { None };
        }
    }

    /// key reads a member's name and its colon; a name with escapes gives up.
    fn key(&mut self) -> Option<&'a [u8]> {
        if self.peek()? != b'"' {
            return None;
        }
        let s = self.i;
        let e = check_string(self.b, s).ok()?;
        let name = &self.b[s + 1..e - 1];
        if name.contains(&b'\\') {
            return None;
        }
        self.i = e;
        if !self.eat(b':') {
            return None;
        }
        Some(name)
    }

    /// string reads a string field (null reads as empty).
    fn string(&mut self) -> Option<String> {
        if self.null() {
            return Some(String::new());
        }
        if self.peek()? != b'"' {
            return None;
        }
        let s = self.i;
        let e = check_string(self.b, s).ok()?;
        self.i = e;
        let inner = &self.b[s + 1..e - 1];
        if inner.is_ascii() && !inner.contains(&b'\\') {
            // ASCII without escapes is its own decoding.
            return std::str::from_utf8(inner).ok().map(String::from);
        }
        Some(decode_string(&self.b[s..e]))
    }

    /// number checks a number and returns its text.
    fn number(&mut self) -> Option<&'a [u8]> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {}
            _ => return None,
        }
        let s = self.i;
        let e = check_number(self.b, s).ok()?;
        self.i = e;
        Some(&self.b[s..e])
    }

    /// uint reads an unsigned integer field (null reads as 0) as want_u64 does.
    fn uint(&mut self) -> Option<u64> {
        if self.null() {
            return Some(0);
        }
        Json::checked(self.number()?).as_u64()
    }

    /// u16 reads a uid or netuid field.
    fn u16(&mut self) -> Option<u16> {
        let v = self.uint()?;
        if v > u16::MAX as u64 {
            return None;
        }
        Some(v as u16)
    }

    /// int reads a signed integer field (null reads as 0).
    fn int(&mut self) -> Option<i64> {
        if self.null() {
            return Some(0);
        }
        Json::checked(self.number()?).as_i64()
    }

    /// float reads a float64 field (null reads as 0).
    fn float(&mut self) -> Option<f64> {
        if self.null() {
            return Some(0.0);
        }
        Json::checked(self.number()?).as_f64()
    }

    /// miners reads the miners array (null: none) onto out.
    fn miners(&mut self, out: &mut Vec<Miner<'a>>) -> Option<()> {
        if self.null() {
            return Some(());
        }
        if !self.eat(b'[') {
            return None;
        }
        if self.eat(b']') {
            return Some(());
        }
        loop {
            let mut m = Miner::default();
            if !self.null() {
                self.object(|c, key| {
                    match key {
                        b"uid" => m.uid = c.u16()?,
                        b"hotkey" => m.hotkey = c.string()?,
                        b"stake" => m.stake = c.float()?,
                        b"status" => m.status = c.int()?,
                        b"latency_ms" => m.latency_ms = c.float()?,
                        b"response" => m.response = c.value(3)?,
                        b"features" => m.features = c.value(3)?,
                        _ => {
                            c.value(3)?;
                        }
                    }
                    Some(())
                })?;
            }
            out.push(m);
            if self.eat(b',') {
                continue;
            }
            return if self.eat(b']') { Some(()) } else { None };
        }
    }
}
