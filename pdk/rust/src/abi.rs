//! The ABI v1 plumbing behind register!: input buffers, output hand-over, abort and log.

use crate::{ChallengeFn, ScoreFn};

#[cfg(target_arch = "wasm32")]
mod host {
    #[link(wasm_import_module = "subnetd")]
    extern "C" {
        #[link_name = "log"]
        pub fn log(level: i32, ptr: *const u8, len: usize);
        #[link_name = "abort"]
        pub fn abort(ptr: *const u8, len: usize) -> !;
    }
}

/// log sends one line to the host (natively: stderr).
pub fn log(level: i32, msg: &str) {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        host::log(level, msg.as_ptr(), msg.len())
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("scorer log level={}: {}", level, msg);
}

/// fail ends the call with msg as the reason (natively: panics with it).
pub fn fail(msg: &str) -> ! {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        host::abort(msg.as_ptr(), msg.len())
    }
    #[cfg(not(target_arch = "wasm32"))]
    panic!("{}", msg)
}

/// alloc returns size writable bytes that live as long as the instance (a fresh instance
/// serves every call, so nothing is ever freed).
pub fn alloc(size: usize) -> *mut u8 {
    reserve(size);
    let mut v: Vec<u8> = Vec::with_capacity(size.max(1));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        return &[];
    }
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| fail(&info.to_string())));
}

fn finish(out: Result<Vec<u8>, String>) -> u64 {
    match out {
        Ok(b) => {
            let b = b.leak();
            if b.is_empty() {
                return 0;
            }
            ((b.as_ptr() as usize as u64) << 32) | b.len() as u64
        }
        Err(e) => fail(&e),
    }
}

/// score runs the score function on the Round at [ptr, ptr+len).
pub fn score(ptr: *const u8, len: usize, f: ScoreFn) -> u64 {
    install_panic_hook();
    finish(crate::score_json(f, input(ptr, len)))
}

/// challenge runs the challenge function on the ChallengeRequest at [ptr, ptr+len).
pub fn challenge(ptr: *const u8, len: usize, f: ChallengeFn) -> u64 {
    install_panic_hook();
    finish(crate::challenge_json(f, input(ptr, len)))
}

/// reserve grows linear memory once, by about what a call on a message of size bytes will use
/// (five times the message and 64 KiB: quality-rs's Round, Scores and state take 4.7 times it), and
/// gives it back to the allocator: without it memory grows in many small steps, and an engine may
/// copy all of it at each (wazero does). It asks no more than that because a Wasm engine allocates
/// and zeroes every page it grows, where a native process only maps them (the 1 MiB this added
/// before doubled the memory of a call at 256 miners, and cost 10% of it). When the memory cap does
/// not allow that much, nothing happens. The write keeps LLVM from removing an allocation nothing
/// reads.
fn reserve(size: usize) {
    let n = size.saturating_mul(5).saturating_add(1 << 16);
    if let Ok(l) = std::alloc::Layout::from_size_align(n, 8) {
        unsafe {
            let p = std::alloc::alloc(l);
            if !p.is_null() {
                std::ptr::write_volatile(p, 0);
                std::alloc::dealloc(p, l);
            }
        }
    }
}
