// Test scorer for the kit's Round decoding and Scores encoding: it echoes every field of the
// Round into its state, so the Go test in plugins can compare them with what the host sent.

import { Round, Scores, Bytes, register, appendF64, appendString, appendBase64 } from "../assembly/index";
export * from "../assembly/abi";

function score(r: Round): Scores {
  let b = new Bytes(256);
  b.appendI64(r.abi); b.push(0x7c);
  b.appendU64(r.netuid); b.push(0x7c);
  b.appendU64(r.block); b.push(0x7c);
  appendString(b, r.blockHash); b.push(0x7c);
  b.appendI64(r.blockTimeMs); b.push(0x7c);
  appendString(b, r.seed); b.push(0x7c);
  b.appendU64(r.validator.uid); b.push(0x7c);
  appendString(b, r.validator.hotkey); b.push(0x7c);
  b.appendASCII(r.challenge.isAbsent() ? "absent" : r.challenge.toString()); b.push(0x7c);
  appendBase64(b, r.state.dataStart, r.state.length);
  let s = new Scores();
  for (let i = 0; i < r.miners.length; i++) {
    let m = r.miners[i];
    b.push(0x0a);
    b.appendU64(m.uid); b.push(0x7c);
    appendString(b, m.hotkey); b.push(0x7c);
    appendF64(b, m.stake); b.push(0x7c);
    b.appendI64(m.status); b.push(0x7c);
    appendF64(b, m.latencyMs); b.push(0x7c);
    b.appendASCII(m.response.isAbsent() ? "absent" : m.response.toString());
    s.add(m.uid, m.latencyMs);
  }
  s.stateBytes = b;
  return s;
}

register(score);
