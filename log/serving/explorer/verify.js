// Verification for the log explorer, with WebCrypto only (Ed25519 and
// SHA-256): nothing the server says is believed unless it checks out
// against the log key the user pinned.
//
//   const cp = await VitrineVerify.verifyCheckpoint(note, pinnedKey);
//   const e = await VitrineVerify.verifyEntry(entryB64, index, proofB64s, cp.checkpoint);
//   // e.statement is parsed from the entry bytes whose inclusion was proved.
//
// Formats, exactly as the specifications say:
//   - signed notes: https://c2sp.org/signed-note (Ed25519, key ID =
//     SHA-256(name || 0x0A || 0x01 || public key)[:4]);
//   - checkpoints: https://c2sp.org/tlog-checkpoint (origin, size, root);
//   - cosignature lines: https://c2sp.org/tlog-cosignature (key ID ||
//     8-byte big-endian timestamp || signature), shown, not checked: the
//     page pins no witness keys;
//   - leaf and node hashes, inclusion proofs: RFC 9162 2.1.1 and 2.1.3.2;
//   - statements: vitrine/release/v1 and vitrine/rebuild/v1 (DESIGN.md).
// Every failure throws a VerifyError whose message is the reason shown.
//
// A plain script, not a module: the page loads it with a <script> tag
// (CSP script-src 'self'), node with require() (tests/explorer).
(function (root, factory) {
  const api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.VitrineVerify = api;
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  class VerifyError extends Error {}

  function fail(reason) {
    throw new VerifyError(reason);
  }

  // WebCrypto exists only in secure contexts (https, localhost): without
  // it nothing can be verified, and the page must say so.
  function subtle() {
    const c = typeof crypto !== 'undefined' ? crypto : undefined;
    if (!c || !c.subtle) {
      fail('WebCrypto is unavailable (open the page over https or from ' +
           'localhost: browsers offer it only in secure contexts)');
    }
    return c.subtle;
  }

  const encoder = new TextEncoder();
  const strictDecoder = new TextDecoder('utf-8', {fatal: true});

  function utf8(bytes) {
    try {
      return strictDecoder.decode(bytes);
    } catch (e) {
      return fail('not valid UTF-8');
    }
  }

  const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

  // Decodes standard, padded, canonical base64 (RFC 4648 section 4).
  function b64decode(s, what) {
    if (typeof s !== 'string' || !B64.test(s)) fail(`${what} is not base64`);
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    if (b64encode(out) !== s) fail(`${what} is not canonical base64`);
    return out;
  }

  function b64encode(bytes) {
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function equal(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle().digest('SHA-256', bytes));
  }

  // RFC 9162 2.1.1.
  function hashLeaf(entry) {
    return sha256(concat(Uint8Array.of(0), entry));
  }

  function hashChildren(left, right) {
    return sha256(concat(Uint8Array.of(1), left, right));
  }

  // Key names (signed-note): non-empty, no white space, no '+'.
  function checkKeyName(name) {
    if (name.length === 0 || /[\s+]/u.test(name) || /[\x00-\x1f\x7f]/.test(name)) {
      fail(`bad key name "${name}"`);
    }
  }

  // Returns the 4-byte key ID of an Ed25519 (0x01) or cosignature/v1
  // (0x04) key: SHA-256(name || 0x0A || type || public key)[:4].
  async function keyId(name, type, publicKey) {
    const h = await sha256(concat(encoder.encode(name), Uint8Array.of(0x0a, type), publicKey));
    return h.slice(0, 4);
  }

  // Parses and checks a verifier key "name+hexid+base64(0x01||key)".
  async function parseVerifierKey(vkey) {
    const text = String(vkey).trim();
    // The name has no '+'; base64 may.
    const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(text);
    if (!m) fail('a verifier key is name+id+key');
    const [, name, idHex, keyB64] = m;
    checkKeyName(name);
    if (!/^[0-9a-f]{8}$/.test(idHex)) fail('the key ID is not 8 lowercase hex digits');
    const raw = b64decode(keyB64, 'the key');
    if (raw.length !== 33 || raw[0] !== 0x01) fail('not an Ed25519 verifier key');
    const publicKey = raw.slice(1);
    if (hex(await keyId(name, 0x01, publicKey)) !== idHex) {
      fail('the key ID does not match the key name and public key');
    }
    return {name, keyIdHex: idHex, publicKey, text};
  }

  // Splits a signed note into its text and signature lines (signed-note:
  // the text ends at the last blank line; each signature line is
  // "— <name> <base64(key ID || signature)>").
  function parseNote(note) {
    if (/[\x00-\x09\x0b-\x1f\x7f]/.test(note)) fail('the note holds a control character');
    const split = note.lastIndexOf('\n\n');
    if (split < 0) fail('the note has no signature block');
    const body = note.slice(0, split + 1);
    const block = note.slice(split + 2);
    if (!block.endsWith('\n')) fail('the note does not end with a newline');
    const signatures = [];
    for (const line of block.slice(0, -1).split('\n')) {
      const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
      if (!m) fail('malformed signature line');
      checkKeyName(m[1]);
      const bytes = b64decode(m[2], 'a signature');
      if (bytes.length < 5) fail('a signature is too short');
      signatures.push({
        name: m[1], keyIdHex: hex(bytes.slice(0, 4)), signature: bytes.slice(4),
      });
    }
    if (signatures.length === 0) fail('the note has no signature');
    return {body, signatures};
  }

  async function ed25519Verify(publicKey, signature, message) {
    const s = subtle();
    let key;
    try {
      key = await s.importKey('raw', publicKey, {name: 'Ed25519'}, false, ['verify']);
    } catch (e) {
      return fail('this browser\'s WebCrypto has no Ed25519');
    }
    return s.verify({name: 'Ed25519'}, key, signature, message);
  }

  // Checks that `note` carries a valid signature by `key` (a parsed
  // verifier key) over its text.
  async function verifyNoteSignature(note, key) {
    const mine = note.signatures.filter(
        (s) => s.name === key.name && s.keyIdHex === key.keyIdHex);
    if (mine.length === 0) {
      fail(`no signature by the pinned key ${key.name}+${key.keyIdHex}`);
    }
    const message = encoder.encode(note.body);
    for (const sig of mine) {
      if (sig.signature.length === 64 &&
          await ed25519Verify(key.publicKey, sig.signature, message)) {
        return;
      }
    }
    fail(`the signature by ${key.name}+${key.keyIdHex} does not verify`);
  }

  const MAX_SIZE = Number.MAX_SAFE_INTEGER;

  // Parses a decimal tree size or index: no sign, no leading zero.
  function parseCount(s, what) {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(s) || Number(s) > MAX_SIZE) {
      fail(`${what} is not a decimal number`);
    }
    return Number(s);
  }

  // Parses a checkpoint's text (tlog-checkpoint) for `origin`.
  function parseCheckpoint(body, origin) {
    const lines = body.split('\n');
    lines.pop();  // the text ends with a newline
    if (lines.length < 3) fail('the checkpoint has fewer than 3 lines');
    if (lines[0] !== origin) {
      fail(`the checkpoint is for origin "${lines[0]}", not "${origin}"`);
    }
    const size = parseCount(lines[1], 'the checkpoint size');
    const root = b64decode(lines[2], 'the root hash');
    if (root.length !== 32) fail('the root hash is not 32 bytes');
    if (lines.slice(3).some((l) => l === '')) fail('empty checkpoint extension line');
    return {origin, size, root, rootB64: lines[2], extensions: lines.slice(3)};
  }

  // Lists the other signature lines of a checkpoint, read as
  // tlog-cosignature ones where they have that shape (72 bytes after the
  // key ID): name, key ID, time. Not verified: no witness key is pinned.
  function cosignatures(note, logKey) {
    return note.signatures
        .filter((s) => !(s.name === logKey.name && s.keyIdHex === logKey.keyIdHex))
        .map((s) => {
          let timestamp = null;
          if (s.signature.length === 72) {
            timestamp = 0;
            for (let i = 0; i < 8; i++) timestamp = timestamp * 256 + s.signature[i];
          }
          return {name: s.name, keyIdHex: s.keyIdHex, timestamp};
        });
  }

  // Verifies a checkpoint note under the pinned verifier key `vkey`: the
  // log's signature, and a body for the key's name as origin.
  async function verifyCheckpoint(noteText, vkey) {
    const key = typeof vkey === 'string' ? await parseVerifierKey(vkey) : vkey;
    if (typeof noteText !== 'string') fail('no checkpoint');
    const note = parseNote(noteText);
    await verifyNoteSignature(note, key);
    const checkpoint = parseCheckpoint(note.body, key.name);
    return {key, checkpoint, witnesses: cosignatures(note, key)};
  }

  // RFC 9162 2.1.3.2: verifies that `leafHash` is leaf `index` of the tree
  // of `size` leaves whose root is `root`, given the inclusion `proof`.
  async function verifyInclusion(index, size, leafHash, proof, root) {
    if (!(index < size)) fail(`index ${index} is not below the tree size ${size}`);
    let fn = index;
    let sn = size - 1;
    let r = leafHash;
    for (const p of proof) {
      if (sn === 0) fail('the inclusion proof is too long');
      if (fn % 2 === 1 || fn === sn) {
        r = await hashChildren(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await hashChildren(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail('the inclusion proof is too short');
    if (!equal(r, root)) {
      fail('the inclusion proof does not lead to the checkpoint\'s root ' +
           '(a wrong proof hash or wrong entry bytes)');
    }
  }

  const RELEASE = ['vendor', 'artifact', 'version', 'sha256', 'source'];
  const REBUILD = ['rebuilder', 'vendor', 'artifact', 'version', 'source', 'sha256'];

  // Parses a statement's text (DESIGN.md formats 6 and 9): the header,
  // then "<keyword> <value>" lines in order, each once; values are single
  // tokens of 1..255 bytes with no control characters; sha256 is 64
  // lowercase hex digits; vendor and rebuilder are key names.
  function parseStatement(body) {
    const lines = body.split('\n');
    lines.pop();
    const header = lines.shift();
    let kind;
    let keywords;
    if (header === 'vitrine/release/v1') {
      kind = 'release';
      keywords = RELEASE;
    } else if (header === 'vitrine/rebuild/v1') {
      kind = 'rebuild';
      keywords = REBUILD;
    } else {
      fail(`unknown statement type "${header}"`);
    }
    const statement = {kind};
    let at = 0;
    for (const [n, line] of lines.entries()) {
      const space = line.indexOf(' ');
      const word = space < 0 ? line : line.slice(0, space);
      while (at < keywords.length && keywords[at] !== word) {
        if (!(kind === 'release' && keywords[at] === 'source')) {
          fail(`statement line ${n + 2}: expected ${keywords[at]}`);
        }
        at++;
      }
      if (at === keywords.length) fail(`statement line ${n + 2}: unexpected "${word}"`);
      const value = line.slice(space + 1);
      const bytes = encoder.encode(value).length;
      if (space < 0 || bytes < 1 || bytes > 255 ||
          /[\s\x00-\x1f\x7f-\x9f]/u.test(value)) {
        fail(`statement line ${n + 2} (${word}): bad value`);
      }
      if (word === 'sha256' && !/^[0-9a-f]{64}$/.test(value)) {
        fail(`statement line ${n + 2}: sha256 is not 64 lowercase hex digits`);
      }
      if ((word === 'vendor' || word === 'rebuilder') && value.includes('+')) {
        fail(`statement line ${n + 2}: ${word} is not a key name`);
      }
      statement[word] = value;
      at++;
    }
    for (const k of keywords) {
      if (!(k in statement) && !(kind === 'release' && k === 'source')) {
        fail(`the statement has no ${k} line`);
      }
    }
    return statement;
  }

  // Verifies one log entry against a verified checkpoint: its leaf hash,
  // computed here from the entry bytes, is leaf `index` of the
  // checkpoint's tree by `proofB64s`; then parses the bytes (a signed
  // statement). Returns the statement and the signature lines (names and
  // key IDs; the log checked the vendor's signature on entry, the page
  // pins no vendor keys).
  async function verifyEntry(entryB64, index, proofB64s, checkpoint) {
    if (!Number.isSafeInteger(index) || index < 0) fail('the index is not a number');
    if (index >= checkpoint.size) {
      fail(`index ${index} is beyond the verified checkpoint (size ${checkpoint.size})`);
    }
    const entry = b64decode(entryB64, 'the entry');
    if (!Array.isArray(proofB64s)) fail('no inclusion proof');
    const proof = proofB64s.map((h) => b64decode(h, 'a proof hash'));
    if (proof.some((h) => h.length !== 32)) fail('a proof hash is not 32 bytes');
    const leafHash = await hashLeaf(entry);
    await verifyInclusion(index, checkpoint.size, leafHash, proof, checkpoint.root);
    let note;
    let statement;
    try {
      note = parseNote(utf8(entry));
      statement = parseStatement(note.body);
    } catch (e) {
      if (e instanceof VerifyError) fail(`the entry is not a statement: ${e.message}`);
      throw e;
    }
    return {
      index, leafHash, statement,
      signatures: note.signatures.map((s) => ({name: s.name, keyIdHex: s.keyIdHex})),
    };
  }

  // Throws the reason when this context has no WebCrypto.
  function requireWebCrypto() {
    subtle();
  }

  return {
    VerifyError, requireWebCrypto, b64decode, b64encode, hex, sha256, hashLeaf, hashChildren,
    keyId, parseVerifierKey, parseNote, verifyNoteSignature, parseCheckpoint,
    verifyCheckpoint, verifyInclusion, parseStatement, verifyEntry,
  };
});
