#!/usr/bin/python3
"""Writes a C2SP test vector set in the format of ../shared/vectors/README.md.

The public set (../shared/vectors) comes from an independent Go program. This
script is a second, unrelated generator: every hash, proof, tile, key and
signature is computed here (hashlib SHA-256, the RFC 6962 recursions, Ed25519
from python3-cryptography), with other seeds, names, origin, entry prefix and
tree sizes by default. Tests that take every parameter from the vector files
must pass on either set:

    scripts/dev/make_test_vectors.py --out /tmp/alt_vectors
    scripts/dev/alt_vectors_test.sh        # generates, then runs the tests

Writes hashes.json, inclusion_proofs.json, consistency_proofs.json,
checkpoints.json, cosignatures.json and tiles/size-N.json. Every invalid case
is checked to be rejected by the verifiers below before it is written, and
every valid one to be accepted. Deterministic: the same flags give the same
bytes (Ed25519 signatures are deterministic). Given the public set's entries
and seeds, the Tree, tile and Key code below reproduces its roots, proofs,
tile files, keys and signatures exactly (checked once by hand; the public
files are never read here).

Needs python3-cryptography (Debian 12: apt-get install python3-cryptography);
development only, not run by scripts/test.sh.
"""

import argparse
import base64
import functools
import hashlib
import json
import os
import random
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
EM_DASH = "\u2014"

# c2sp.org/signed-note, section "Verifier keys" / example (C2SP/C2SP
# signed-note.md at 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9). A constant of
# the specification, not of any vector set; verified below before use.
SPEC_EXAMPLE_VKEY = (
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
SPEC_EXAMPLE_NOTE = (
    "This is an example message.\n\n" + EM_DASH + " example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXm"
    "RKuwHjG1Yu72IneyaQM=\n")


def b64(data):
    return base64.b64encode(data).decode("ascii")


def sha256(data):
    return hashlib.sha256(data).digest()


# --- RFC 6962 / RFC 9162 Merkle tree ---------------------------------------

def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split_point(n):
    """Returns the largest power of two smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    """The leaf hashes of a log and the recursions of RFC 6962 2.1 over them."""

    def __init__(self, entries):
        self.entries = entries
        self.leaves = [leaf_hash(e) for e in entries]
        self.mth = functools.lru_cache(maxsize=None)(self._mth)

    def _mth(self, lo, hi):
        """MTH(D[lo:hi])."""
        n = hi - lo
        if n == 0:
            return sha256(b"")
        if n == 1:
            return self.leaves[lo]
        k = split_point(n)
        return node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))

    def root(self, size):
        return self.mth(0, size)

    def path(self, m, lo, hi):
        """PATH(m, D[lo:hi]), m relative to lo, leaf-to-root order."""
        n = hi - lo
        if n == 1:
            return []
        k = split_point(n)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def inclusion(self, index, size):
        return self.path(index, 0, size)

    def subproof(self, m, lo, hi, complete):
        n = hi - lo
        if m == n:
            return [] if complete else [self.mth(lo, hi)]
        k = split_point(n)
        if m <= k:
            return self.subproof(m, lo, lo + k, complete) + [self.mth(lo + k, hi)]
        return (self.subproof(m - k, lo + k, hi, False) +
                [self.mth(lo, lo + k)])

    def consistency(self, old, new):
        """PROOF(old, D[new]); empty for old == 0 and old == new."""
        if old == 0 or old == new:
            return []
        return self.subproof(old, 0, new, True)


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old, new, old_root, new_root, proof):
    """RFC 9162 2.1.4.2, with the conventions of the README for 0 and ==."""
    if old > new:
        return False
    if old == 0:
        return not proof and old_root == sha256(b"")
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is implied
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# --- c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature ---------------

class Key:
    """An Ed25519 key under a signed-note key name and signature type."""

    def __init__(self, name, seed, sig_type):
        self.name, self.seed, self.type = name, seed, sig_type
        self.private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        self.public = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = sha256(name.encode() + b"\n" + bytes([sig_type]) +
                             self.public)[:4]
        self.vkey = "%s+%s+%s" % (name, self.key_id.hex(),
                                  b64(bytes([sig_type]) + self.public))

    def sign(self, message):
        return self.private.sign(message)

    def json(self, type_text, with_private=True):
        out = {
            "name": self.name,
            "seed_hex": self.seed.hex(),
            "public_key_hex": self.public.hex(),
            "signature_type": type_text,
            "key_id_hex": self.key_id.hex(),
            "vkey": self.vkey,
        }
        if with_private:
            out["xmod_private_key"] = "PRIVATE+KEY+%s+%s+%s" % (
                self.name, self.key_id.hex(), b64(bytes([self.type]) + self.seed))
        return out


def signature_line(name, key_id, signature):
    return "%s %s %s\n" % (EM_DASH, name, b64(key_id + signature))


def note_line(key, body):
    """The signed-note line of an Ed25519 (type 0x01) signature over body."""
    return signature_line(key.name, key.key_id, key.sign(body.encode()))


def cosignature_message(timestamp, body, time_text=None):
    return "cosignature/v1\ntime %s\n%s" % (
        str(timestamp) if time_text is None else time_text, body)


def cosignature_bytes(key, timestamp, body):
    """u64be(timestamp) || Ed25519 over the cosignature/v1 message."""
    return (struct.pack(">Q", timestamp) +
            key.sign(cosignature_message(timestamp, body).encode()))


def checkpoint_body(origin, size, root, extensions=()):
    return "%s\n%d\n%s\n%s" % (origin, size, b64(root),
                               "".join(e + "\n" for e in extensions))


def verify_note(note, key):
    """Whether `note` carries a valid signature by `key` (0x01 or 0x04).

    Follows c2sp.org/signed-note closely enough to vet the generated cases:
    the text ends at the last blank line, lines are "— name b64", a line
    with the key's name and ID must verify.
    """
    if not note.endswith("\n") or "\r" in note:
        return False
    split = note.rfind("\n\n")
    if split < 0:
        return False
    text, sigs = note[:split + 1], note[split + 2:]
    found = False
    for line in sigs.split("\n")[:-1]:
        prefix = EM_DASH + " "
        if not line.startswith(prefix):
            return False
        name, _, sig64 = line[len(prefix):].partition(" ")
        try:
            raw = base64.b64decode(sig64, validate=True)
        except ValueError:
            return False
        if b64(raw) != sig64 or len(raw) < 5:
            return False
        if name != key.name or raw[:4] != key.key_id:
            continue
        message = text.encode()
        sig = raw[4:]
        if key.type == 0x04:
            if len(sig) != 72:
                return False
            ts = struct.unpack(">Q", sig[:8])[0]
            message = cosignature_message(ts, text).encode()
            sig = sig[8:]
        elif len(sig) != 64:
            return False
        try:
            key.private.public_key().verify(sig, message)
        except Exception:  # cryptography raises InvalidSignature
            return False
        found = True
    return found


def spec_example():
    """The signed-note spec's example, checked against its own key."""
    name, key_id, key64 = SPEC_EXAMPLE_VKEY.split("+")
    raw = base64.b64decode(key64)
    assert raw[0] == 0x01 and sha256(name.encode() + b"\n" + raw)[:4].hex() == key_id
    text, _, line = SPEC_EXAMPLE_NOTE.rpartition("\n\n")
    sig = base64.b64decode(line.split(" ")[2])
    ed25519.Ed25519PublicKey.from_public_bytes(raw[1:]).verify(
        sig[4:], (text + "\n").encode())
    return {
        "source": "c2sp.org/signed-note, section Verifier keys / Example",
        "vkey": SPEC_EXAMPLE_VKEY,
        "note": SPEC_EXAMPLE_NOTE,
    }


# --- C2SP tlog-tiles --------------------------------------------------------

def tile_index_path(n):
    groups = []
    while True:
        groups.append("%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level, index, width):
    suffix = "" if width == TILE_WIDTH else ".p/%d" % width
    where = "entries" if level is None else str(level)
    return "tile/%s/%s%s" % (where, tile_index_path(index), suffix)


def tile_levels(size):
    levels, level = [], 0
    while (size >> (TILE_HEIGHT * level)) > 0:
        count = size >> (TILE_HEIGHT * level)
        levels.append({"level": level, "full_tiles": count // TILE_WIDTH,
                       "partial_width": count % TILE_WIDTH})
        level += 1
    return levels


def tile_file(path, content, manifest_only, **fields):
    out = {"path": path}
    out.update(fields)
    out["length"] = len(content)
    out["sha256"] = sha256(content).hex()
    if not manifest_only:
        out["content_b64"] = b64(content)
    return out


def tile_layout(tree, size, log_key, origin, prefix, manifest_above):
    manifest_only = size > manifest_above
    root = tree.root(size)
    checkpoint = checkpoint_body(origin, size, root)
    checkpoint_note = checkpoint + "\n" + note_line(log_key, checkpoint)
    files = [tile_file("checkpoint", checkpoint_note.encode(), manifest_only,
                       kind="checkpoint")]
    levels = tile_levels(size)
    for lv in levels:
        level = lv["level"]
        span = 1 << (TILE_HEIGHT * level)  # leaves under one level-8L hash
        tiles = [(i, TILE_WIDTH) for i in range(lv["full_tiles"])]
        if lv["partial_width"]:
            tiles.append((lv["full_tiles"], lv["partial_width"]))
        for index, width in tiles:
            first = index * TILE_WIDTH
            content = b"".join(tree.mth((first + j) * span, (first + j + 1) * span)
                               for j in range(width))
            files.append(tile_file(tile_path(level, index, width), content,
                                   manifest_only, kind="tile", level=level,
                                   index=index, width=width))
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - index * TILE_WIDTH)
        content = b"".join(
            struct.pack(">H", len(e)) + e
            for e in tree.entries[index * TILE_WIDTH:index * TILE_WIDTH + width])
        files.append(tile_file(tile_path(None, index, width), content,
                               manifest_only, kind="entries", index=index,
                               width=width))
    files.sort(key=lambda f: f["path"])
    return {
        "description": ("%sc2sp.org/tlog-tiles layout of a log of %d entries, "
                        "written by scripts/dev/make_test_vectors.py" %
                        ("manifest of a " if manifest_only else "complete ", size)),
        "size": size,
        "root": root.hex(),
        "root_b64": b64(root),
        "origin": origin,
        "vkey": log_key.vkey,
        "entry_prefix": prefix,
        "tile_height": TILE_HEIGHT,
        "manifest_only": manifest_only,
        "levels": levels,
        "file_count": len(files),
        "files": files,
    }


# --- the files --------------------------------------------------------------

def flip_bit(h):
    return h[:-1] + bytes([h[-1] ^ 1])


def inclusion_vectors(tree, sizes, rng):
    valid, invalid = [], []
    for size in sizes:
        indexes = {0, 1, size // 3, size // 2, size - 2, size - 1}
        indexes |= {rng.randrange(size) for _ in range(3)}
        for index in sorted(i for i in indexes if 0 <= i < size):
            proof = tree.inclusion(index, size)
            assert verify_inclusion(index, size, tree.leaves[index], proof,
                                    tree.root(size))
            valid.append({
                "index": index, "size": size,
                "entry": tree.entries[index].decode(),
                "leaf_hash": tree.leaves[index].hex(),
                "root": tree.root(size).hex(),
                "proof": [h.hex() for h in proof],
            })
    # Negative cases around a few proofs, each checked to be rejected.
    picks = [(0, 1), (1, 6)]
    big = sizes[-1]
    picks += [(big // 2, big), (big - 1, big), (rng.randrange(big), big)]
    for index, size in picks:
        leaf, root = tree.leaves[index], tree.root(size)
        proof = tree.inclusion(index, size)
        other = tree.leaves[(index + 1) % len(tree.leaves)]
        cases = [
            ("flipped-proof-hash", "first proof hash has one bit flipped",
             index, size, leaf, root, [flip_bit(proof[0])] + proof[1:] if proof else None),
            ("truncated-proof", "last proof hash removed",
             index, size, leaf, root, proof[:-1] if proof else None),
            ("extra-proof-hash", "an extra hash appended to a valid proof",
             index, size, leaf, root, proof + [leaf]),
            ("wrong-index", "valid proof presented for a neighbouring index "
             "(same leaf hash)", index + 1 if index + 1 < size else index - 1,
             size, leaf, root, proof if size > 1 else None),
            ("wrong-root", "root of the tree one entry smaller",
             index, size, leaf, tree.root(size - 1), proof if index < size - 1 else None),
            ("wrong-size", "tree size one larger than the size the proof was "
             "made for", index, size + 1, leaf, root, proof),
            ("wrong-leaf", "leaf hash of a different entry",
             index, size, other, root, proof),
            ("leaf-without-0x00-prefix", "leaf hashed as SHA-256(entry) "
             "without the RFC 6962 0x00 prefix", index, size,
             sha256(tree.entries[index]), root, proof),
            ("index-equals-size", "index out of range (index == size)",
             size, size, leaf, root, proof),
            ("reversed-proof", "proof hashes in root-to-leaf order instead of "
             "leaf-to-root", index, size, leaf, root,
             proof[::-1] if proof != proof[::-1] else None),
        ]
        for label, reason, i, n, lh, r, p in cases:
            if p is None or i < 0 or verify_inclusion(i, n, lh, p, r):
                continue  # not applicable here, or it happens to verify
            invalid.append({
                "label": "%s(index=%d,size=%d)" % (label, index, size),
                "reason": reason, "index": i, "size": n,
                "leaf_hash": lh.hex(), "root": r.hex(),
                "proof": [h.hex() for h in p],
            })
    return valid, invalid


def consistency_vectors(tree, sizes, rng):
    valid, invalid = [], []
    for new in sizes:
        olds = {0, 1, 2, new // 2, new - 1, new, rng.randrange(new + 1)}
        olds |= {1 << b for b in range(new.bit_length()) if (1 << b) <= new}
        for old in sorted(o for o in olds if 0 <= o <= new):
            proof = tree.consistency(old, new)
            assert verify_consistency(old, new, tree.root(old), tree.root(new),
                                      proof)
            valid.append({
                "old_size": old, "new_size": new,
                "old_root": tree.root(old).hex(),
                "new_root": tree.root(new).hex(),
                "proof": [h.hex() for h in proof],
            })
    big = sizes[-1]
    picks = [(1, 2), (3, 7), (4, 8), (big // 3, big), (big - 1, big), (6, 6),
             (0, 5)]
    for old, new in picks:
        o_root, n_root = tree.root(old), tree.root(new)
        proof = tree.consistency(old, new)
        prev_old = tree.root(old - 1) if old > 0 else None
        cases = [
            ("flipped-proof-hash", "last proof hash has one bit flipped",
             old, new, o_root, n_root,
             proof[:-1] + [flip_bit(proof[-1])] if proof else None),
            ("truncated-proof", "last proof hash removed", old, new, o_root,
             n_root, proof[:-1] if proof else None),
            ("empty-proof", "empty proof for 0 < old < new", old, new, o_root,
             n_root, [] if 0 < old < new else None),
            ("extra-proof-hash", "an extra hash appended to a valid proof",
             old, new, o_root, n_root, proof + [n_root]),
            ("wrong-old-root", "old root replaced by the root of size old-1",
             old, new, prev_old, n_root, proof if prev_old else None),
            ("wrong-new-root", "new root replaced by the root of size new-1",
             old, new, o_root, tree.root(new - 1), proof),
            ("wrong-old-size", "old size off by one (proof and roots "
             "unchanged)", old + 1, new, o_root, n_root,
             proof if 0 < old < new - 1 else None),
            ("sizes-swapped", "old and new swapped (old > new)", new, old,
             o_root, n_root, proof if old < new else None),
            ("nonempty-proof-equal-sizes", "old == new but a non-empty proof",
             old, new, o_root, n_root, [o_root] if old == new else None),
            ("equal-sizes-different-roots", "old == new, empty proof, but "
             "different roots", old, new, o_root, flip_bit(n_root),
             [] if old == new else None),
            ("empty-old-tree-zero-hash", "old size 0 with an all-zero old root "
             "(RFC 6962: the empty tree's root is SHA-256(\"\"))", old, new,
             bytes(32), n_root, [] if old == 0 else None),
            ("empty-old-tree-nonempty-proof", "old size 0 with a non-empty "
             "proof", old, new, o_root, n_root, [n_root] if old == 0 else None),
        ]
        for label, reason, m, n, orr, nr, p in cases:
            if p is None or orr is None or verify_consistency(m, n, orr, nr, p):
                continue
            invalid.append({
                "label": "%s(old=%d,new=%d)" % (label, old, new),
                "reason": reason, "old_size": m, "new_size": n,
                "old_root": orr.hex(), "new_root": nr.hex(),
                "proof": [h.hex() for h in p],
            })
    return valid, invalid


def checkpoint_vectors(tree, a, keys, extensions):
    origin, log = a.origin, keys["log"]
    valid = []

    def valid_case(label, size, body, lines):
        root = tree.root(size)
        note = body + "\n" + "".join(lines)
        assert verify_note(note, log)
        valid.append({
            "label": label, "size": size, "root": root.hex(),
            "root_b64": b64(root), "body": body, "note": note,
            "signature_b64": note_line(log, body).split(" ")[2].strip(),
            "signature_line": "".join(lines),
        })

    for size in a.checkpoint_sizes:
        body = checkpoint_body(origin, size, tree.root(size))
        valid_case("size-%d" % size, size, body, [note_line(log, body)])
    x = a.special_size
    body = checkpoint_body(origin, x, tree.root(x))
    ext_body = checkpoint_body(origin, x, tree.root(x), extensions)
    valid_case("size-%d-with-extension-lines" % x, x, ext_body,
               [note_line(log, ext_body)])
    valid_case("size-%d-plus-unknown-signature" % x, x, body,
               [note_line(keys["other"], body), note_line(log, body)])
    witness = keys["witness"]
    cosig = signature_line(witness.name, witness.key_id,
                           cosignature_bytes(witness, a.timestamp, body))
    valid_case("size-%d-plus-witness-cosignature" % x, x, body,
               [note_line(log, body), cosig])

    good = note_line(log, body)
    sig64 = good.split(" ")[2].strip()
    raw = base64.b64decode(sig64)
    wrong = keys["wrong"]
    forged = signature_line(log.name, log.key_id, wrong.sign(body.encode()))
    prev_root = b64(tree.root(x - 1))
    root64 = b64(tree.root(x))
    bad_char = sig64[:10] + "!" + sig64[11:]

    def signed(b):
        return b + "\n" + note_line(log, b)

    note_layer = [
        ("wrong-key", "signed by a different Ed25519 key with the same key "
         "name (so a different key ID): no signature from the trusted key",
         body + "\n" + note_line(wrong, body)),
        ("wrong-key-forged-key-id", "signature line has the trusted key's name "
         "and key ID, but the signature was made with a different private key",
         body + "\n" + forged),
        ("altered-size", "tree size line changed after signing",
         body.replace("\n%d\n" % x, "\n%d\n" % (x + 1), 1) + "\n" + good),
        ("altered-root", "root hash line replaced (root of size-1) after signing",
         body.replace(root64, prev_root) + "\n" + good),
        ("extension-line-added", "an extension line appended to the body after "
         "signing", body + "added-after-signing\n\n" + good),
        ("missing-trailing-newline", "final newline after the signature line "
         "removed", (body + "\n" + good)[:-1]),
        ("bad-base64-signature", "a character of the signature's base64 "
         "replaced by '!'", body + "\n" + good.replace(sig64, bad_char)),
        ("base64-padding-removed", "the '=' padding of the signature's base64 "
         "removed", body + "\n" + good.replace(sig64, sig64.rstrip("="))),
        ("other-key-signature-only", "only signature is from an unrelated key "
         "(%s)" % keys["other"].name, body + "\n" + note_line(keys["other"], body)),
        ("witness-cosignature-only", "only signature is a witness cosignature",
         body + "\n" + cosig),
        ("signature-truncated", "trusted key name and key ID, but the Ed25519 "
         "signature is truncated to 32 bytes",
         body + "\n" + signature_line(log.name, log.key_id, raw[4:36])),
        ("missing-blank-line", "no blank line between the body and the "
         "signature line", body + good),
        ("hyphen-instead-of-em-dash", "signature line starts with '-' (U+002D) "
         "instead of the em dash U+2014",
         body + "\n" + good.replace(EM_DASH, "-", 1)),
        ("crlf-line-endings", "CRLF line endings (CR is a forbidden control "
         "character)", (body + "\n" + good).replace("\n", "\r\n")),
        ("no-signature-lines", "body and blank line but no signature line",
         body + "\n"),
    ]
    checkpoint_layer = [
        ("origin-mismatch", "validly signed, but the origin line is not the "
         "expected origin %s" % origin,
         signed(checkpoint_body(origin + "-other", x, tree.root(x)))),
        ("size-leading-zero", "tree size with a leading zero",
         signed(body.replace("\n%d\n" % x, "\n0%d\n" % x, 1))),
        ("size-not-decimal", "tree size in hex",
         signed(body.replace("\n%d\n" % x, "\n0x%x\n" % x, 1))),
        ("size-negative", "negative tree size",
         signed(body.replace("\n%d\n" % x, "\n-%d\n" % x, 1))),
        ("root-hex-instead-of-base64", "root hash written in hex instead of "
         "base64", signed(body.replace(root64, tree.root(x).hex()))),
        ("root-wrong-length", "root hash is base64 of 31 bytes",
         signed(body.replace(root64, b64(tree.root(x)[:31])))),
        ("root-unpadded-base64", "root hash base64 without '=' padding",
         signed(body.replace(root64, root64.rstrip("=")))),
        ("two-line-body", "body has only origin and size lines",
         signed("%s\n%d\n" % (origin, x))),
        ("empty-extension-line", "an empty line between the root line and an "
         "extension line (extension lines MUST be non-empty)",
         signed(body + "\nextension-after-empty-line\n")),
        ("empty-origin", "empty origin line",
         signed(checkpoint_body("", x, tree.root(x)))),
    ]
    invalid = []
    for label, reason, note in note_layer:
        assert not verify_note(note, log), label
        invalid.append({"label": label, "reason": reason, "layer": "note",
                        "note": note})
    for label, reason, note in checkpoint_layer:
        assert verify_note(note, log), label
        invalid.append({"label": label, "reason": reason, "layer": "checkpoint",
                        "note": note})
    return {
        "description": ("c2sp.org/tlog-checkpoint notes signed per "
                        "c2sp.org/signed-note (Ed25519, type 0x01), written by "
                        "scripts/dev/make_test_vectors.py. Entries are %r<i>; "
                        "roots as in hashes.json." % a.entry_prefix),
        "origin": origin,
        "log_key": log.json("0x01 (Ed25519, c2sp.org/signed-note)"),
        "wrong_key_same_name": wrong.json("0x01 (Ed25519, c2sp.org/signed-note)"),
        "other_key": keys["other"].json("0x01 (Ed25519, c2sp.org/signed-note)"),
        "valid": valid,
        "invalid": invalid,
        "spec_example": spec_example(),
        "layer_legend": {
            "checkpoint": "the Ed25519 signature verifies, but the checkpoint "
                          "body is invalid or its origin is not the expected "
                          "origin",
            "note": "signed-note verification with the log vkey must fail "
                    "(malformed note, bad or missing signature)",
        },
    }


def cosignature_vectors(tree, a, keys, extensions):
    log, witness, ts = keys["log"], keys["witness"], a.timestamp
    valid = []
    bodies = [("size-%d" % s, s, checkpoint_body(a.origin, s, tree.root(s)))
              for s in a.checkpoint_sizes]
    x = a.special_size
    bodies.append(("size-%d-with-extension-lines" % x, x,
                   checkpoint_body(a.origin, x, tree.root(x), extensions)))
    for label, size, body in bodies:
        sig = cosignature_bytes(witness, ts, body)
        line = signature_line(witness.name, witness.key_id, sig)
        cosigned = body + "\n" + note_line(log, body) + line
        assert verify_note(cosigned, witness) and verify_note(cosigned, log)
        valid.append({
            "label": label, "size": size, "timestamp": ts,
            "checkpoint_body": body,
            "signed_message": cosignature_message(ts, body),
            "timestamped_signature_hex": sig.hex(),
            "signature_b64": b64(witness.key_id + sig),
            "cosignature_line": line,
            "cosigned_note": cosigned,
        })

    body = checkpoint_body(a.origin, x, tree.root(x))
    ext_body = checkpoint_body(a.origin, x, tree.root(x), extensions)
    sig = cosignature_bytes(witness, ts, body)
    wrong_id = sha256(witness.name.encode() + b"\n\x01" + witness.public)[:4]
    zero_time = witness.sign(cosignature_message(
        ts, body, time_text="%020d" % ts).encode())
    no_header = witness.sign(("time %d\n" % ts + body).encode())
    empty_body = checkpoint_body(a.origin, 0, tree.root(0))

    def attach(b, cosig_bytes, key_id=witness.key_id):
        return (b + "\n" + note_line(log, b) +
                signature_line(witness.name, key_id, cosig_bytes))

    cases = [
        ("timestamp-altered", "the 8-byte timestamp was incremented after "
         "signing", attach(body, struct.pack(">Q", ts + 1) + sig[8:])),
        ("key-id-computed-with-type-0x01", "key ID computed with signature type "
         "0x01 instead of 0x04 (so it does not match the cosigner key)",
         attach(body, sig, key_id=wrong_id)),
        ("missing-cosignature-header", "Ed25519 over \"time <ts>\\n\" || body, "
         "without the \"cosignature/v1\\n\" line",
         attach(body, sig[:8] + no_header)),
        ("plain-ed25519-note-signature", "a plain 64-byte signed-note Ed25519 "
         "signature over the body (no timestamp) under the cosigner key ID",
         attach(body, witness.sign(body.encode()))),
        ("timestamp-little-endian", "timestamp encoded little-endian in the "
         "signature bytes", attach(body, struct.pack("<Q", ts) + sig[8:])),
        ("time-line-zero-padded", "signed time line zero-padded (\"time "
         "000...\"), not the canonical decimal", attach(body, sig[:8] + zero_time)),
        ("cosignature-of-other-checkpoint", "cosignature of the size-0 "
         "checkpoint attached to the size-%d checkpoint" % x,
         attach(body, cosignature_bytes(witness, ts, empty_body))),
        ("extension-lines-not-signed", "checkpoint has extension lines but the "
         "cosigned message omitted them", attach(ext_body, sig)),
    ]
    invalid = []
    for label, reason, note in cases:
        assert verify_note(note, log) and not verify_note(note, witness), label
        invalid.append({"label": label, "reason": reason,
                        "layer": "cosignature", "note": note})
    return {
        "description": ("c2sp.org/tlog-cosignature Ed25519 cosignature/v1, "
                        "written by scripts/dev/make_test_vectors.py. Each "
                        "cosigned_note carries the log signature first and the "
                        "cosignature second."),
        "witness_key": witness.json(
            "0x04 (Ed25519 cosignature/v1, c2sp.org/tlog-cosignature)",
            with_private=False),
        "log_vkey": log.vkey,
        "timestamp": ts,
        "valid": valid,
        "invalid": invalid,
    }


def parse_sizes(text):
    """"0-3,7,100" -> [0, 1, 2, 3, 7, 100]."""
    out = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return sorted(out)


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder to write (created)")
    p.add_argument("--seed", default="alt-1",
                   help="derives every Ed25519 seed and the sampled indexes")
    p.add_argument("--origin", default="logs.alt.example.net/vitrine-alt/7")
    p.add_argument("--entry-prefix", default="alt.record#")
    p.add_argument("--witness-name", default="cosigner.alt.example.org/w-9")
    p.add_argument("--other-key-name", default="unrelated.alt.example/k2")
    p.add_argument("--timestamp", type=int, default=1712345678)
    p.add_argument("--leaves", type=int, default=300,
                   help="leaves listed in hashes.json")
    p.add_argument("--root-sizes", default="0-150,200,511-513,600")
    p.add_argument("--proof-sizes", default="1-10,31-34,100,127-129,200,511-513,600")
    p.add_argument("--tile-sizes", default="1,2,255-257,513,3000")
    p.add_argument("--manifest-above", type=int, default=2000,
                   help="tile files above this size list only SHA-256s")
    p.add_argument("--checkpoint-sizes", default="0-2,5,255-257,513,600,3000")
    p.add_argument("--special-size", type=int, default=513,
                   help="the checkpoint size of the extension, extra-signature "
                        "and negative cases")
    a = p.parse_args()
    a.root_sizes = parse_sizes(a.root_sizes)
    a.proof_sizes = [s for s in parse_sizes(a.proof_sizes) if s > 0]
    a.tile_sizes = [s for s in parse_sizes(a.tile_sizes) if s > 0]
    a.checkpoint_sizes = parse_sizes(a.checkpoint_sizes)
    if a.special_size < 2:
        sys.exit("--special-size must be at least 2")

    def seed(what):
        return sha256(("vitrine test vectors/%s/%s" % (a.seed, what)).encode())

    keys = {
        "log": Key(a.origin, seed("log"), 0x01),
        "wrong": Key(a.origin, seed("wrong-key-same-name"), 0x01),
        "other": Key(a.other_key_name, seed("other"), 0x01),
        "witness": Key(a.witness_name, seed("witness"), 0x04),
    }
    rng = random.Random(seed("indexes"))
    largest = max(a.root_sizes + a.proof_sizes + a.tile_sizes +
                  a.checkpoint_sizes + [a.special_size, a.leaves])
    entries = [("%s%d" % (a.entry_prefix, i)).encode() for i in range(largest + 1)]
    tree = Tree(entries)
    extensions = ["alt-extension/1", "second extension, with spaces"]

    write_json(os.path.join(a.out, "hashes.json"), {
        "description": "RFC 6962 / RFC 9162 leaf hashes SHA-256(0x00||entry) "
                       "and Merkle tree roots MTH(D[0:size)), written by "
                       "scripts/dev/make_test_vectors.py",
        "entry_prefix": a.entry_prefix,
        "entry_format": "entry i is the string %r followed by i in decimal, "
                        "no newline" % a.entry_prefix,
        "hash_encoding": "lowercase hex; root_b64 is standard padded base64 as "
                         "in checkpoints",
        "empty_tree_root": sha256(b"").hex(),
        "leaves": [{"index": i, "entry": entries[i].decode(),
                    "entry_hex": entries[i].hex(),
                    "leaf_hash": tree.leaves[i].hex()} for i in range(a.leaves)],
        "roots": [{"size": s, "root": tree.root(s).hex(),
                   "root_b64": b64(tree.root(s))} for s in a.root_sizes],
    })
    valid, invalid = inclusion_vectors(tree, a.proof_sizes, rng)
    write_json(os.path.join(a.out, "inclusion_proofs.json"), {
        "description": "RFC 6962 2.1.1 audit paths, leaf-to-root order",
        "hash_encoding": "lowercase hex",
        "valid": valid, "invalid": invalid,
    })
    valid, invalid = consistency_vectors(tree, a.proof_sizes, rng)
    write_json(os.path.join(a.out, "consistency_proofs.json"), {
        "description": "RFC 6962 2.1.2 consistency proofs PROOF(old, D[new])",
        "hash_encoding": "lowercase hex",
        "conventions": "old_size == 0 and old_size == new_size have an empty "
                       "proof; old_size == 0 has old_root = SHA-256(\"\")",
        "valid": valid, "invalid": invalid,
    })
    for size in a.tile_sizes:
        write_json(os.path.join(a.out, "tiles", "size-%d.json" % size),
                   tile_layout(tree, size, keys["log"], a.origin,
                               a.entry_prefix, a.manifest_above))
    write_json(os.path.join(a.out, "checkpoints.json"),
               checkpoint_vectors(tree, a, keys, extensions))
    write_json(os.path.join(a.out, "cosignatures.json"),
               cosignature_vectors(tree, a, keys, extensions))
    print("wrote %s: origin %s, entry prefix %r, largest tree %d" %
          (a.out, a.origin, a.entry_prefix, largest))


if __name__ == "__main__":
    main()
