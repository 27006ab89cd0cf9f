//! The native side of a Rust scorer, for `subnetd plugin bench` and tests: the protocol of the
//! Go kit's pdk.Main.
//!
//! ```text
//! scorer score --round ROUND.json                  prints the Scores JSON and a newline
//! scorer bench --round ROUND.json [--min-time 1s]  prints {"iterations":N,"ns_per_call":T,"cpu_ns_per_call":C}
//! ```

use crate::ScoreFn;
use std::time::{Duration, Instant};

/// main serves the protocol with the process's arguments and exits non-zero with a one-line
/// reason on failure.
pub fn main(score: ScoreFn) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(score, &args) {
        eprintln!("scorer: {}", e);
        std::process::exit(1);
    }
}

fn run(score: ScoreFn, args: &[String]) -> Result<(), String> {
    let cmd = args.first().ok_or("usage: scorer score|bench --round FILE [--min-time D]")?;
    let mut round_path = None;
    let mut min_time = Duration::from_secs(1);
    let mut i = 1;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (args[i].clone(), None),
        };
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i).cloned().ok_or(format!("flag needs an argument: {}", flag))?
            }
        };
        match flag.trim_start_matches('-') {
            "round" => round_path = Some(value),
            "min-time" => min_time = parse_duration(&value)?,
            _ => return Err(format!("flag provided but not defined: {}", flag)),
        }
        i += 1;
    }
    let path = round_path.ok_or("--round FILE is required")?;
    let round = std::fs::read(&path).map_err(|e| format!("open {}: {}", path, e))?;
    match cmd.as_str() {
        "score" => {
            let out = crate::score_json(score, &round)?;
            println!("{}", String::from_utf8_lossy(&out));
            Ok(())
        }
        "bench" => {
            crate::score_json(score, &round)?;
            let mut n: u64 = 0;
            let start = Instant::now();
            let cpu = process_cpu_ns();
            loop {
                crate::score_json(score, &round)?;
                n += 1;
                let el = start.elapsed();
                if el >= min_time && n >= 3 {
                    let mut ns = Vec::new();
                    crate::json::write_f64(&mut ns, el.as_nanos() as f64 / n as f64)?;
                    let mut line = format!("{{\"iterations\":{},\"ns_per_call\":{}", n, String::from_utf8_lossy(&ns));
                    if cpu > 0 {
                        let mut c = Vec::new();
                        crate::json::write_f64(&mut c, (process_cpu_ns() - cpu) as f64 / n as f64)?;
                        line.push_str(&format!(",\"cpu_ns_per_call\":{}", String::from_utf8_lossy(&c)));
                    }
                    println!("{}}}", line);
                    return Ok(());
                }
            }
        }
        other => Err(format!("unknown command {:?}", other)),
    }
}

/// process_cpu_ns is the process's CPU time (all threads) in nanoseconds, or 0 where the system
/// cannot say: the bench figure that other work on a shared machine disturbs far less than wall
/// time (as the Go kit's pdk.Bench reports it).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn process_cpu_ns() -> u64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec (two 64-bit fields on 64-bit Linux) to ts.
    if unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) } != 0 {
        return 0;
    }
    ts.sec as u64 * 1_000_000_000 + ts.nsec as u64
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn process_cpu_ns() -> u64 {
    0
}

/// parse_duration reads a Go duration ("1s", "500ms", "1m30s", "1.5s").
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {:?}", s);
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut total = 0f64;
    if b.is_empty() {
        return Err(bad());
    }
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let num: f64 = s[start..i].parse().map_err(|_| bad())?;
        let ustart = i;
        while i < b.len() && !(b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let scale = match &s[ustart..i] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += num * scale;
    }
    Ok(Duration::from_nanos(total as u64))
}
