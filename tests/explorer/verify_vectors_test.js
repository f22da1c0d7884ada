// Runs the explorer's verification code (log/serving/explorer/verify.js,
// the very file the page loads) under node against the shared vectors of
// an independent implementation (../shared/vectors): leaf hashes,
// inclusion proofs (valid and invalid), signed checkpoints (valid and
// invalid), cosignature lines; then verifyEntry's bounds and reasons on
// a tree of two entries built here. Exits 1 on the first disagreement.
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

// verifyEntry's own checks, around the inclusion proof checked above: a
// tree of two entries, a release statement and one with a line twice.
async function entries() {
  const statement = (lines) => new TextEncoder().encode(
      `vitrine/release/v1\n${lines.join('\n')}\n\n\u2014 example.com/acme AAAAAAA=\n`);
  const digest = 'ab'.repeat(32);
  const good = statement(['vendor example.com/acme', 'artifact a', 'version 1',
                          `sha256 ${digest}`]);
  const twice = statement(['vendor example.com/acme', 'artifact a', 'version 1',
                           'version 1', `sha256 ${digest}`]);
  const [l0, l1] = [await V.hashLeaf(good), await V.hashLeaf(twice)];
  const checkpoint = {size: 2, root: await V.hashChildren(l0, l1)};
  const b64 = V.b64encode;

  const got = await V.verifyEntry(b64(good), 0, [b64(l1)], checkpoint);
  expect(got.statement.kind === 'release' && got.statement.sha256 === digest &&
         got.statement.source === undefined && got.signatures.length === 1 &&
         got.signatures[0].keyIdHex === '00000000', 'entry 0 verifies');
  const cases = [
    [b64(good), 2, [b64(l1)], 'index 2 is beyond the verified checkpoint (size 2)'],
    [b64(good), -1, [b64(l1)], 'the index is not a number'],
    [b64(good), 0, [b64(l1), b64(l1)], 'the inclusion proof is too long'],
    [b64(good), 0, [], 'the inclusion proof is too short'],
    [b64(good), 0, [b64(l1.slice(1))], 'a proof hash is not 32 bytes'],
    [b64(good), 0, 'x', 'no inclusion proof'],
    [b64(good), 1, [b64(l0)], 'the inclusion proof does not lead to the checkpoint\'s ' +
        'root (a wrong proof hash or wrong entry bytes)'],
    // Proved, but no statement: the bytes are not trusted for being included.
    [b64(twice), 1, [b64(l0)], 'the entry is not a statement: statement line 5: ' +
        'expected sha256'],
  ];
  for (const [entry, index, proof, reason] of cases) {
    const why = await rejects(V.verifyEntry(entry, index, proof, checkpoint),
                              `entry ${index} with ${proof.length} proof hashes`);
    expect(why === reason, `reason "${why}", not "${reason}"`);
  }
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
  await entries();
  console.log(`PASS: ${checks} checks of verify.js against the shared vectors`);
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack}`);
  process.exit(1);
});
