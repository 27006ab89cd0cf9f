//! quality-rs: the Rust port of examples/scorers/quality. Same challenge from the same seed
//! (splitmix64), same scoring formula, same state: on every Round it returns the same Scores
//! bytes as the Go scorer (plugins/lang_rust_test.go checks this on random and hostile rounds).
//!
//! The challenge is a summing task derived from the round's seed, so every validator of the
//! round asks the same question and an auditor can recompute it; each miner's answer is
//! compared with the exact sum, and the score is an exponential moving average of answer
//! quality kept in the scorer's state.
//!
//! Go decodes the challenge, the answers and the state with encoding/json into typed fields;
//! this port reads them the same way (keys matched case-insensitively, the last one wins, null
//! leaves a field as it was, a value of the wrong type is an error), so hostile JSON gives the
//! same result in both.

use std::collections::HashMap;
use subnetd_pdk::json::{write_f64, write_string, write_uint};
use subnetd_pdk::{log, Challenge, ChallengeRequest, Json, Kind, Level, Miner, Round, Scores};

/// SYNAPSE is the synapse name miners serve for this scorer.
pub const SYNAPSE: &str = "SumTask";
/// TASK_LEN is how many numbers each task holds.
const TASK_LEN: usize = 16;
/// ALPHA is the weight of this round in the quality average.
const ALPHA: f64 = 0.3;
/// KEEP is 1 - ALPHA written out as the float64 nearest 0.7, the same constant as the Go scorer's.
const KEEP: f64 = 0.7;
/// TIMEOUT_MS is the per-miner deadline the challenge asks for.
const TIMEOUT_MS: i64 = 12000;

fn hex_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// seed_bytes decodes the seed's hex (0x prefix optional), as Go's hex.DecodeString.
fn seed_bytes(seed: &str) -> Option<Vec<u8>> {
    let s = seed.strip_prefix("0x").unwrap_or(seed).as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 2);
    for p in s.chunks(2) {
        out.push(hex_nibble(p[0])? << 4 | hex_nibble(p[1])?);
    }
    if out.len() < 8 {
        return None;
    }
    Some(out)
}

/// task_body expands the seed into the task's JSON body: TASK_LEN numbers in [0, 1000) with
/// two decimals, from a splitmix64 sequence.
fn task_body(seed_hex: &str) -> Result<Vec<u8>, String> {
    let seed = seed_bytes(seed_hex).ok_or_else(|| {
        let mut q = Vec::new();
        write_string(&mut q, seed_hex);
        format!("quality: round seed {} is not hex of at least 8 bytes", String::from_utf8_lossy(&q))
    })?;
    let mut x = u64::from_le_bytes([seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7]]);
    let mut b = Vec::with_capacity(512);
    b.extend_from_slice(b"{\"task\":\"sum\",\"id\":\"");
    for &c in &seed[..8] {
        b.extend_from_slice(format!("{:02x}", c).as_bytes());
    }
    b.extend_from_slice(b"\",\"numbers\":[");
    for i in 0..TASK_LEN {
        x = x.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^= z >> 31;
        if i > 0 {
            b.push(b',');
        }
        write_f64(&mut b, (z % 100000) as f64 / 100.0)?;
    }
    b.extend_from_slice(b"]}");
    Ok(b)
}

/// challenge derives this round's task from the round seed: the same seed gives the same task.
fn challenge(req: &ChallengeRequest) -> Result<Challenge, String> {
    Ok(Challenge { synapse: SYNAPSE.to_string(), body: task_body(&req.seed)?, timeout_ms: TIMEOUT_MS })
}

// Constants of exp_neg, given by their bits so every language reads the same values.
const LOG2E: u64 = 0x3ff71547652b82fe;
const LN2_HI: u64 = 0x3fe62e42fee00000;
const LN2_LO: u64 = 0x3dea39ef35793c76;

/// pow2 is 2^k for -1022 <= k <= 1023, built from its bits.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// exp_neg returns e^x for x <= 0 with +, -, *, / and floor only, each rounded once (Rust never
/// fuses a multiply-add): the exact computation of expNeg in examples/scorers/quality/main.go
/// (see there), so both give the same bits.
fn exp_neg(x: f64) -> f64 {
    if x < -745.5 {
        return 0.0;
    }
    let x = if x > 0.0 { 0.0 } else { x };
    let k = (x * f64::from_bits(LOG2E) + 0.5).floor();
    let r = (x - k * f64::from_bits(LN2_HI)) - k * f64::from_bits(LN2_LO);
    let mut p = 1.0f64;
    let mut i = 14;
    while i >= 1 {
        p = 1.0 + (p * r) / i as f64;
        i -= 1;
    }
    if k.is_nan() {
        return p; // NaN in, NaN out (the output encoder then refuses it, as Go's does)
    }
    let ki = k as i32;
    if ki < -1021 {
        return (p * pow2(ki + 54)) * pow2(-54);
    }
    p * pow2(ki)
}

/// quality rates one miner's answer against the exact sum. The answer is read as Go reads it
/// into a *float64 field: the last "answer" key wins, null clears it, and a value of another
/// type anywhere (or beyond float64) makes the whole answer unreadable.
fn quality(m: &Miner, want: f64) -> f64 {
    if m.status != 200 || m.response.is_absent() {
        return 0.0;
    }
    let resp = m.response;
    match resp.kind() {
        Kind::Object => {}
        _ => return 0.0, // null: no answer; anything else: not an answer object
    }
    let mut got: Option<f64> = None;
    for (k, v) in resp.members() {
        if !k.eq_fold("answer") {
            continue;
        }
        if v.is_null() {
            got = None;
            continue;
        }
        match v.as_f64() {
            Some(f) => got = Some(f),
            None => return 0.0,
        }
    }
    let got = match got {
        Some(g) => g,
        None => return 0.0,
    };
    let rel = (got - want).abs() / go_max(1.0, want.abs());
    exp_neg(-20.0 * rel)
}

/// go_max is Go's math.Max for the values it meets here (NaN wins; +Inf wins).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a > b {
        a
    } else {
        b
    }
}

/// GoSlice models the []float64 Go's decoder fills when "numbers" appears more than once: a
/// later array reuses the earlier one's memory, so its null elements keep the values there.
struct GoSlice {
    back: Vec<f64>, // the backing array, len == cap
    len: usize,
}

impl GoSlice {
    fn grow_to(&mut self, need: usize) {
        // Go's growth (runtime.nextslicecap); sizes past 512 elements are not rounded to
        // allocation classes, which only matters for duplicated arrays that long.
        let old = self.back.len();
        let mut cap = old;
        if need > 2 * old {
            cap = need;
        } else if old < 256 {
            cap = 2 * old;
        } else {
            while cap < need {
                cap += (cap + 768) >> 2;
            }
        }
        let mut nb = vec![0.0; cap];
        nb[..self.len].copy_from_slice(&self.back[..self.len]);
        self.back = nb;
    }
}

/// sum_of_task reads the task from the round's challenge as Go's encoding/json decodes it into
/// the Task struct, and returns the exact sum of its numbers.
fn sum_of_task(c: Json) -> Result<f64, String> {
    if c.is_absent() || c.is_null() {
        return Err("quality: the round carries no challenge".to_string());
    }
    let not_sum = |why: &str| Err(format!("quality: challenge is not a sum task: {}", why));
    if c.kind() != Kind::Object {
        return not_sum("the challenge is not a JSON object");
    }
    let mut task = String::new();
    let mut bad = false;
    let mut nums = GoSlice { back: Vec::new(), len: 0 };
    for (k, v) in c.members() {
        if k.eq_fold("task") {
            match v.kind() {
                Kind::String => task = v.as_str().unwrap_or_default(),
                Kind::Null => {}
                _ => bad = true,
            }
        } else if k.eq_fold("id") {
            if v.kind() != Kind::String && !v.is_null() {
                bad = true;
            }
        } else if k.eq_fold("numbers") {
            match v.kind() {
                Kind::Null => nums = GoSlice { back: Vec::new(), len: 0 },
                Kind::Array => {
                    let mut i = 0;
                    for e in v.elements() {
                        if i >= nums.back.len() {
                            nums.grow_to(i + 1);
                        }
                        nums.len = nums.len.max(i + 1);
                        if !e.is_null() {
                            match e.as_f64() {
                                Some(f) => nums.back[i] = f,
                                None => bad = true,
                            }
                        }
                        i += 1;
                    }
                    if i == 0 {
                        nums = GoSlice { back: Vec::new(), len: 0 };
                    } else {
                        nums.len = i;
                    }
                }
                _ => bad = true,
            }
        }
    }
    if bad {
        return not_sum("a field has the wrong type");
    }
    if task != "sum" {
        return not_sum("<nil>");
    }
    let mut sum = 0.0;
    for &v in &nums.back[..nums.len] {
        sum += v;
    }
    Ok(sum)
}

/// Past is one miner's quality history, keyed by hotkey so a re-registered uid starts fresh.
#[derive(Clone, Default)]
struct Past {
    uid: u16,
    hotkey: String,
    ema: f64,
}

/// Entry is one miner's line of this round's state; it borrows the hotkey from the Round (no
/// copy per miner).
struct Entry<'a> {
    uid: u16,
    hotkey: &'a str,
    ema: f64,
}

/// read_state decodes last round's state as Go's encoding/json decodes it into []past: fields
/// of the wrong type are left zero (and logged), the entries are kept.
fn read_state(st: &[u8]) -> HashMap<u16, Past> {
    let mut prev = HashMap::new();
    if st.is_empty() {
        return prev;
    }
    let doc = match Json::parse(st) {
        Ok(d) => d,
        Err(e) => {
            log(Level::Warn, &format!("quality: state unreadable, starting fresh: {}", e));
            return prev;
        }
    };
    if doc.kind() != Kind::Array {
        if !doc.is_null() {
            log(Level::Warn, "quality: state unreadable, starting fresh: not an array");
        }
        return prev;
    }
    let mut problems = false;
    for e in doc.elements() {
        let mut p = Past::default();
        if e.kind() == Kind::Object {
            for (k, v) in e.members() {
                if k.eq_fold("uid") {
                    match v.as_u64() {
                        Some(n) if n <= 65535 => p.uid = n as u16,
                        _ => problems |= !v.is_null(),
                    }
                } else if k.eq_fold("hotkey") {
                    match v.as_str() {
                        Some(s) => p.hotkey = s,
                        None => problems |= !v.is_null(),
                    }
                } else if k.eq_fold("ema") {
                    match v.as_f64() {
                        Some(f) => p.ema = f,
                        None => problems |= !v.is_null(),
                    }
                }
            }
        } else if !e.is_null() {
            problems = true;
        }
        prev.insert(p.uid, p);
    }
    if problems {
        log(Level::Warn, "quality: state unreadable, starting fresh: a field has the wrong type");
    }
    prev
}

/// score compares each answer with the exact sum of the task the round sent. Quality is
/// exp(-relative error × 20): an exact answer scores 1, 5% off scores about 0.37, no answer 0.
fn score(r: &Round) -> Result<Scores, String> {
    let want = sum_of_task(r.challenge)?;
    let prev = read_state(&r.state);
    let mut out = Scores::with_capacity(r.miners.len());
    let mut next: Vec<Entry> = Vec::with_capacity(r.miners.len());
    for m in &r.miners {
        let q = quality(m, want);
        let mut ema = q;
        if let Some(p) = prev.get(&m.uid) {
            if p.hotkey == m.hotkey {
                ema = ALPHA * q + KEEP * p.ema;
            }
        }
        next.push(Entry { uid: m.uid, hotkey: &m.hotkey, ema });
        out.push(m.uid, ema);
    }
    next.sort_by_key(|p| p.uid);
    let mut st = Vec::with_capacity(2 + next.len() * 96);
    st.push(b'[');
    for (i, n) in next.iter().enumerate() {
        if i > 0 {
            st.push(b',');
        }
        st.extend_from_slice(b"{\"uid\":");
        write_uint(&mut st, n.uid as u64);
        st.extend_from_slice(b",\"hotkey\":");
        write_string(&mut st, n.hotkey);
        st.extend_from_slice(b",\"ema\":");
        write_f64(&mut st, n.ema)?;
        st.push(b'}');
    }
    st.push(b']');
    out.state = st;
    Ok(out)
}

subnetd_pdk::register!(score, challenge);
