//! The native side of a Rust scorer, for `subnetd plugin bench` and tests: the protocol of the
//! Go kit's pdk.Main.
//!
//! ```text
//! scorer score --round ROUND.json                  prints the Scores JSON and a newline
//! scorer bench --round ROUND.json [--min-time 1s]  prints {"iterations":N,"ns_per_call":T}
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
            loop {
                crate::score_json(score, &round)?;
                n += 1;
                let el = start.elapsed();
                if el >= min_time && n >= 3 {
                    let mut ns = Vec::new();
                    crate::json::write_f64(&mut ns, el.as_nanos() as f64 / n as f64)?;
                    println!("{{\"iterations\":{},\"ns_per_call\":{}}}", n, String::from_utf8_lossy(&ns));
                    return Ok(());
                }
            }
        }
        other => Err(format!("unknown command {:?}", other)),
    }
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
