// Cross-implementation helper for chain/timelock's tests: runs the reference
// tle code (the wasm build of ideal-lab5/timelock, npm package
// @ideallabs/timelock_wasm_wrapper@1.0.0) on requests read from stdin.
//
// Usage: node tle_wasm.mjs PACKAGE_DIR < requests.json
// requests: [{"op":"tld","ct":HEX,"sig":HEX} | {"op":"tle","id":HEX,"msg":HEX,"esk":HEX,"pk":HEX}]
// prints:   [{"ok":true,"out":HEX} | {"ok":false,"err":STRING}], one per request.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tle_wasm.mjs PACKAGE_DIR < requests.json');
  process.exit(2);
}
const mod = await import(pathToFileURL(path.join(dir, 'timelock_wasm_wrapper.js')).href);
mod.initSync({ module: fs.readFileSync(path.join(dir, 'timelock_wasm_wrapper_bg.wasm')) });

const bytes = (h) => Array.from(Buffer.from(h ?? '', 'hex'));
const requests = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = requests.map((r) => {
  try {
    let out;
    if (r.op === 'tld') {
      out = mod.tld(bytes(r.ct), bytes(r.sig), 'bls12_381');
    } else if (r.op === 'tle') {
      out = mod.tle(bytes(r.id), bytes(r.msg), bytes(r.esk), bytes(r.pk), 'bls12_381');
    } else {
      throw new Error(`unknown op ${r.op}`);
    }
    return { ok: true, out: Buffer.from(out).toString('hex') };
  } catch (e) {
    return { ok: false, err: String(e) };
  }
});
process.stdout.write(JSON.stringify(results));
