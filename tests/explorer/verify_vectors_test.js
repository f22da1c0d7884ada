// Runs the explorer's verification code (log/serving/explorer/verify.js,
// the very file the page loads) under node against the shared vectors of
// an independent implementation (../shared/vectors): leaf hashes,
// inclusion proofs (valid and invalid), signed checkpoints (valid and
// invalid), cosignature lines. Exits 1 on the first disagreement.
//
//   node verify_vectors_test.js VERIFY_JS VECTORS_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const V = require(path.resolve(process.argv[2]));
const dir = process.argv[3];
const load = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const fromHex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

let checks = 0;
function expect(ok, what) {
  if (!ok) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
  checks++;
}

async function rejects(promise, what) {
  try {
    await promise;
  } catch (e) {
    expect(e instanceof V.VerifyError, `${what}: threw ${e}`);
    return e.message;
  }
  expect(false, `${what}: accepted`);
}

async function main() {
  const hashes = load('hashes.json');
  for (const leaf of hashes.leaves) {
    const h = V.hex(await V.hashLeaf(new TextEncoder().encode(leaf.entry)));
    expect(h === leaf.leaf_hash, `leaf hash of ${leaf.entry}`);
  }

  const inclusion = load('inclusion_proofs.json');
  for (const p of inclusion.valid) {
    await V.verifyInclusion(p.index, p.size, fromHex(p.leaf_hash),
                            p.proof.map(fromHex), fromHex(p.root));
    checks++;
  }
  for (const p of inclusion.invalid) {
    await rejects(V.verifyInclusion(p.index, p.size, fromHex(p.leaf_hash),
                                    p.proof.map(fromHex), fromHex(p.root)),
                  `invalid inclusion proof ${p.label}`);
  }

  const cps = load('checkpoints.json');
  const vkey = cps.log_key.vkey;
  for (const c of cps.valid) {
    const got = await V.verifyCheckpoint(c.note, vkey);
    expect(got.checkpoint.size === c.size && got.checkpoint.rootB64 === c.root_b64,
           `valid checkpoint ${c.label}`);
  }
  for (const c of cps.invalid) {
    await rejects(V.verifyCheckpoint(c.note, vkey), `invalid checkpoint ${c.label}`);
  }
  // The key ID is computed, not taken on trust.
  const [name, id, key] = vkey.split('+');
  const otherId = id === '00000000' ? '00000001' : '00000000';
  await rejects(V.parseVerifierKey(`${name}+${otherId}+${key}`), 'key with a wrong ID');
  await rejects(V.parseVerifierKey(`other.example/log+${id}+${key}`), 'key with another name');

  const cos = load('cosignatures.json');
  for (const c of cos.valid) {
    const got = await V.verifyCheckpoint(c.cosigned_note, vkey);
    const w = got.witnesses.find((x) => x.name === cos.witness_key.name);
    expect(w !== undefined && w.timestamp === c.timestamp &&
           w.keyIdHex === cos.witness_key.key_id_hex,
           `cosignature line of ${c.label}`);
  }
  console.log(`PASS: ${checks} checks of verify.js against the shared vectors`);
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack}`);
  process.exit(1);
});
