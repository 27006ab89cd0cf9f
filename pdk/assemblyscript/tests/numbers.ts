// Test module for the kit's number and string conversions: the Go test in plugins compares
// them with Go's strconv and encoding/json on many values (see plugins/build_test.go).

import { Bytes, appendF64, appendString, RawJSON } from "../assembly/index";
import { parseNumber, NumberParse } from "../assembly/float";

export { subnetd_alloc } from "../assembly/abi";

let out: Bytes = new Bytes(64);

/** format_f64 returns (ptr << 32) | len of the JSON text of the float64 with these bits. */
export function format_f64(bits: u64): i64 {
  out = new Bytes(64);
  appendF64(out, reinterpret<f64>(bits));
  return (<i64>out.ptr << 32) | <i64>out.len;
}

const np = new NumberParse();

/** parse_f64 reads the JSON number at [ptr, ptr+len) and returns its float64 bits (status in the high bit of a second call). */
export function parse_f64(ptr: usize, len: i32): u64 {
  parseNumber(ptr, ptr + <usize>len, np);
  return reinterpret<u64>(np.value);
}

/** parse_status returns the status and length of the last parse_f64: (status << 32) | len. */
export function parse_status(): i64 {
  return (<i64>np.status << 32) | <i64>np.len;
}

/** reencode_string decodes the JSON string literal at [ptr, ptr+len) and encodes it again as Go would. */
export function reencode_string(ptr: usize, len: i32): i64 {
  let s = new RawJSON(ptr, len).asString();
  out = new Bytes(64);
  if (s == null) return 0;
  appendString(out, s);
  return (<i64>out.ptr << 32) | <i64>out.len;
}
