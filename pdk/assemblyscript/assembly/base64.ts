// Standard base64 with padding (RFC 4648 §4), as Go's encoding/json uses for []byte.

import { Bytes } from "./float";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The alphabet as bytes, for direct stores.
const ALPHA_BYTES = new StaticArray<u8>(64);
for (let i = 0; i < 64; i++) ALPHA_BYTES[i] = <u8>ALPHABET.charCodeAt(i);

/** appendBase64 appends the base64 text of [p, p+n) to b. */
export function appendBase64(b: Bytes, p: usize, n: i32): void {
  b.reserve(((n + 2) / 3) * 4);
  let o = b.ptr + <usize>b.len;
  let t = changetype<usize>(ALPHA_BYTES);
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    let q = p + <usize>i;
    let v = (<u32>load<u8>(q) << 16) | (<u32>load<u8>(q, 1) << 8) | <u32>load<u8>(q, 2);
    store<u8>(o, load<u8>(t + <usize>(v >> 18)));
    store<u8>(o, load<u8>(t + <usize>((v >> 12) & 63)), 1);
    store<u8>(o, load<u8>(t + <usize>((v >> 6) & 63)), 2);
    store<u8>(o, load<u8>(t + <usize>(v & 63)), 3);
    o += 4;
  }
  let rest = n - i;
  if (rest > 0) {
    let v = <u32>load<u8>(p + <usize>i) << 16;
    if (rest == 2) v |= <u32>load<u8>(p + <usize>i + 1) << 8;
    store<u8>(o, load<u8>(t + <usize>(v >> 18)));
    store<u8>(o, load<u8>(t + <usize>((v >> 12) & 63)), 1);
    store<u8>(o, rest == 2 ? load<u8>(t + <usize>((v >> 6) & 63)) : <u8>0x3d, 2);
    store<u8>(o, 0x3d, 3);
    o += 4;
  }
  b.len = <i32>(o - b.ptr);
}

function val(c: u32): i32 {
  if (c - 0x41 < 26) return <i32>(c - 0x41);
  if (c - 0x61 < 26) return <i32>(c - 0x61 + 26);
  if (c - 0x30 < 10) return <i32>(c - 0x30 + 52);
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/**
 * decodeBase64 decodes standard padded base64 from [p, end) (CR and LF ignored, as Go does);
 * returns null when the text is not valid base64.
 */
export function decodeBase64(p: usize, end: usize): Uint8Array | null {
  let out = new Bytes(<i32>((end - p) / 4 * 3 + 3));
  let quad = new StaticArray<i32>(4);
  let k = 0;
  let pad = 0;
  for (let q = p; q < end; q++) {
    let c = <u32>load<u8>(q);
    if (c == 0x0d || c == 0x0a) continue;
    if (c == 0x3d) {
      pad++;
      unchecked((quad[k++] = 0));
    } else {
      if (pad > 0) return null; // data after padding
      let v = val(c);
      if (v < 0) return null;
      unchecked((quad[k++] = v));
    }
    if (k == 4) {
      if (pad > 2) return null;
      let v = (unchecked(quad[0]) << 18) | (unchecked(quad[1]) << 12) | (unchecked(quad[2]) << 6) | unchecked(quad[3]);
      out.push(<u32>(v >> 16) & 0xff);
      if (pad < 2) out.push(<u32>(v >> 8) & 0xff);
      if (pad < 1) out.push(<u32>v & 0xff);
      // like Go's (non-strict) StdEncoding, bits under the padding are ignored; padding ends the text
      k = 0;
      if (pad > 0) {
        for (let r = q + 1; r < end; r++) {
          let x = load<u8>(r);
          if (x != 0x0d && x != 0x0a) return null;
        }
        break;
      }
    }
  }
  if (k != 0) return null;
  return out.toUint8Array();
}
