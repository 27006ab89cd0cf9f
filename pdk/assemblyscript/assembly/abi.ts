// The ABI v1 exports. Re-export them from your entry file:
//
//   export * from "@subnetd/pdk/assembly/abi";

import { allocForHost, scoreForHost, challengeForHost } from "./index";

/** subnetd_alloc returns size writable bytes for the host's input message. */
export function subnetd_alloc(size: i32): usize {
  return allocForHost(size);
}

/** subnetd_score scores the Round at [ptr, ptr+len) and returns (out_ptr << 32) | out_len. */
export function subnetd_score(ptr: usize, len: i32): i64 {
  return scoreForHost(ptr, len);
}

/** subnetd_challenge builds this round's Challenge, or returns 0 to decline. */
export function subnetd_challenge(ptr: usize, len: i32): i64 {
  return challengeForHost(ptr, len);
}
