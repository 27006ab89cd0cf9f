//! probe exposes the kit's JSON number and string handling to plugins/lang_rust_test.go, which
//! compares it with Go's encoding/json inside Wasm, and its two Round readers with each other.

use subnetd_pdk::json::{write_f64, write_string};
use subnetd_pdk::{Json, Round, Scores};

static mut PARSE_OK: u32 = 0;

fn hand_over(b: Vec<u8>) -> u64 {
    let b = b.leak();
    ((b.as_ptr() as usize as u64) << 32) | b.len() as u64
}

fn input<'a>(p: *const u8, n: usize) -> &'a [u8] {
    unsafe { std::slice::from_raw_parts(p, n) }
}

/// probe_format_f64 prints the float64 with these bits as Go's encoding/json does (0: refused).
#[no_mangle]
pub extern "C" fn probe_format_f64(bits: u64) -> u64 {
    let mut out = Vec::new();
    match write_f64(&mut out, f64::from_bits(bits)) {
        Ok(()) => hand_over(out),
        Err(_) => 0,
    }
}

/// probe_parse_f64 reads the JSON number at [p, p+n) and returns its bits.
#[no_mangle]
pub extern "C" fn probe_parse_f64(p: *const u8, n: usize) -> u64 {
    let v = Json::parse(input(p, n)).ok().and_then(|j| j.as_f64());
    unsafe { PARSE_OK = v.is_some() as u32 };
    v.unwrap_or(0.0).to_bits()
}

/// probe_parse_ok is 1 when the last probe_parse_f64 read a float64.
#[no_mangle]
pub extern "C" fn probe_parse_ok() -> u32 {
    unsafe { PARSE_OK }
}

/// probe_string decodes the JSON string at [p, p+n) and encodes it again.
#[no_mangle]
pub extern "C" fn probe_string(p: *const u8, n: usize) -> u64 {
    let s = Json::parse(input(p, n)).ok().and_then(|j| j.as_str()).unwrap_or_default();
    let mut out = Vec::new();
    write_string(&mut out, &s);
    hand_over(out)
}

/// probe_round reads the Round message at [p, p+n) with both of the kit's readers and says
/// how they compare: "fast", "reference" (the one-pass reader gave up) or "differ: …".
#[no_mangle]
pub extern "C" fn probe_round(p: *const u8, n: usize) -> u64 {
    hand_over(subnetd_pdk::__compare_readers(input(p, n)).into_bytes())
}

fn score(_: &Round) -> Result<Scores, String> {
    Ok(Scores::new())
}

subnetd_pdk::register!(score);
