// The log explorer's page logic: routing (#/entry/<i>, #/sha256/<hex>,
// #/vendor/<name>[/before/<i>]), the JSON read API (relative URLs:
// api/v1/...), the pinned log key, and the views. Every entry shown is
// checked with verify.js against a checkpoint signed by the pinned key;
// what a view says about a statement comes from the proved entry bytes,
// never from the server's parsed "statement" field.
//
// DOM built with textContent only: nothing the server sends is ever HTML.
'use strict';
(function () {
  const V = window.VitrineVerify;
  const PINNED = 'vitrine.pinnedLogKeys';

  // ---- small helpers -------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  function reasonOf(e) {
    return e && e.message ? e.message : String(e);
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(`the server answered ${status}${code ? ' ' + code : ''}: ${message}`);
      this.status = status;
    }
  }

  // GETs a JSON answer of the read API; errors carry the API's reason.
  async function getJSON(url) {
    let response;
    try {
      response = await fetch(url, {credentials: 'omit'});
    } catch (e) {
      throw new ApiError(0, '', `no answer (${reasonOf(e)})`);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      // Reported below.
    }
    if (!response.ok) {
      const why = body && typeof body.error === 'string' ? body.error : response.statusText;
      throw new ApiError(response.status, body && body.code, why);
    }
    if (body === null || typeof body !== 'object') {
      throw new ApiError(response.status, '', 'not a JSON object');
    }
    return body;
  }

  // ---- the pinned log key --------------------------------------------

  function pinnedKeys() {
    try {
      const list = JSON.parse(localStorage.getItem(PINNED) || '[]');
      return Array.isArray(list) ? list.filter((k) => typeof k === 'string') : [];
    } catch (e) {
      return [];
    }
  }

  function keyName(vkey) {
    return vkey.split('+')[0];
  }

  function savePinned(list) {
    try {
      localStorage.setItem(PINNED, JSON.stringify(list));
      return null;
    } catch (e) {
      return `this browser keeps no pinned keys (${reasonOf(e)})`;
    }
  }

  function pinnedFor(origin) {
    return pinnedKeys().find((k) => keyName(k) === origin) || null;
  }

  let log = null;       // the last api/v1/log answer (unverified)
  let snapshot = null;  // {ok, reason} or {ok, key, checkpoint, witnesses}

  function showKeyStatus() {
    const input = document.getElementById('log-key');
    const status = document.getElementById('key-status');
    const origin = log ? String(log.origin) : '';
    const pinned = pinnedFor(origin);
    status.replaceChildren();
    if (pinned) {
      input.value = pinned;
      status.className = 'pinned';
      status.append(`Pinned in this browser for ${origin}: every check uses this key.`);
      if (log && log.log_key !== pinned) {
        status.append(el('br'), el('span', {class: 'bad'},
            `The server now supplies a different key: ${log.log_key}`));
      }
    } else {
      input.value = log && typeof log.log_key === 'string' ? log.log_key : '';
      status.className = 'warn';
      status.append('Supplied by this server, NOT pinned. Compare it with the log key its ' +
                    'operator publishes, then pin it: until then nothing here is verified.');
    }
  }

  async function pinKey() {
    const status = document.getElementById('key-status');
    const text = document.getElementById('log-key').value.trim();
    try {
      await V.parseVerifierKey(text);
    } catch (e) {
      status.className = 'bad';
      status.textContent = `Not a log verifier key: ${reasonOf(e)}`;
      return;
    }
    const list = pinnedKeys().filter((k) => keyName(k) !== keyName(text));
    list.push(text);
    const error = savePinned(list);
    if (error) {
      status.className = 'bad';
      status.textContent = error;
      return;
    }
    render();
  }

  function unpinKey() {
    const origin = log ? String(log.origin) : '';
    savePinned(pinnedKeys().filter((k) => keyName(k) !== origin));
    render();
  }

  // Fetches api/v1/log and verifies its checkpoint under the pinned key.
  async function loadSnapshot() {
    log = await getJSON('api/v1/log');
    document.getElementById('origin').textContent =
        `Log ${String(log.origin)} (as this server names it)`;
    showKeyStatus();
    try {
      V.requireWebCrypto();
    } catch (e) {
      return {ok: false, reason: reasonOf(e)};
    }
    const pinned = pinnedFor(String(log.origin));
    if (!pinned) {
      return {ok: false, reason: 'the log key is not pinned (see "Log key" above)'};
    }
    try {
      return {ok: true, ...(await V.verifyCheckpoint(log.checkpoint, pinned))};
    } catch (e) {
      return {ok: false, reason: `the checkpoint does not verify: ${reasonOf(e)}`};
    }
  }

  // ---- entries ---------------------------------------------------------

  // Parses an entry's bytes without any proof, to show what a failed
  // entry claims (marked NOT verified).
  function parseUnverified(entryB64) {
    try {
      const bytes = V.b64decode(entryB64, 'the entry');
      const note = V.parseNote(new TextDecoder().decode(bytes));
      return {statement: V.parseStatement(note.body), signatures: note.signatures};
    } catch (e) {
      return {statement: null, signatures: []};
    }
  }

  // Verifies one entry object of the API against the verified snapshot:
  // the proof to its checkpoint (fetched for that size), the leaf hash of
  // the entry bytes, and `check(statement)` (a reason, or null when the
  // statement is what the view asked for).
  async function verifyEntryObject(obj, check) {
    const index = obj && obj.index;
    const result = {index, ok: false, reason: '', statement: null, signatures: []};
    try {
      if (!snapshot.ok) throw new Error(snapshot.reason);
      if (!Number.isSafeInteger(index) || index < 0) throw new Error('the entry has no index');
      const size = snapshot.checkpoint.size;
      if (index >= size) {
        throw new Error(`index ${index} is beyond the verified checkpoint (size ${size})`);
      }
      const proof = await getJSON(`api/v1/proof?index=${index}&size=${size}`);
      if (proof.index !== index || proof.size !== size) {
        throw new Error(`the server sent a proof for index ${proof.index} and size ${proof.size}`);
      }
      const verified = await V.verifyEntry(obj.entry, index, proof.hashes, snapshot.checkpoint);
      result.statement = verified.statement;
      result.signatures = verified.signatures;
      if (obj.kind !== verified.statement.kind) {
        throw new Error(`the server calls it a ${obj.kind}, the entry bytes are a ` +
                        `${verified.statement.kind} statement`);
      }
      if (obj.leaf_hash !== V.b64encode(verified.leafHash)) {
        throw new Error('the server\'s leaf_hash is not the hash of the entry bytes');
      }
      const wrong = check ? check(verified.statement) : null;
      if (wrong) throw new Error(wrong);
      result.ok = true;
    } catch (e) {
      result.reason = reasonOf(e);
      if (!result.statement && obj) Object.assign(result, parseUnverified(obj.entry));
    }
    return result;
  }

  function verdict(result) {
    return result.ok
        ? el('span', {class: 'verdict ok', 'data-index': String(result.index)}, 'verified')
        : el('span', {class: 'verdict bad', 'data-index': String(result.index)},
             `NOT verified: ${result.reason}`);
  }

  function signerName(s) {
    return s.kind === 'rebuild' ? s.rebuilder : s.vendor;
  }

  function supervisors(result) {
    const s = result.statement;
    return result.signatures.map((x) => x.name).filter((n) => !s || n !== signerName(s));
  }

  function fieldRows(result) {
    const s = result.statement || {};
    const rows = [
      ['Index', String(result.index)],
      ['Kind', s.kind || 'not a statement'],
      s.kind === 'rebuild' ? ['Rebuilder', s.rebuilder] : null,
      ['Vendor', s.vendor],
      ['Artifact', s.artifact],
      ['Version', s.version],
      ['SHA-256', s.sha256],
      ['Source', s.source || '(none given)'],
      s.kind === 'rebuild' ? null : ['Supervisors', supervisors(result).join(', ') || '(none)'],
      ['Signatures', result.signatures.map((x) => `${x.name} (${x.keyIdHex})`).join(', ')],
    ];
    return rows.filter((r) => r && r[1] !== undefined).map(([k, v]) =>
      el('tr', {}, el('th', {}, k), el('td', {class: 'mono', 'data-field': k}, v)));
  }

  function entryCard(result, title) {
    return el('div', {class: 'card entry', 'data-index': String(result.index)},
        el('h3', {}, el('a', {href: `#/entry/${result.index}`}, title || `Entry ${result.index}`),
           ' ', verdict(result)),
        result.ok ? null : el('p', {class: 'muted'},
            'Below is what the entry bytes claim: nothing of it is proved.'),
        el('table', {}, ...fieldRows(result)));
  }

  // One line of a release history.
  function releaseRow(result) {
    const s = result.statement || {};
    return el('tr', {'data-index': String(result.index)},
        el('td', {}, el('a', {href: `#/entry/${result.index}`}, String(result.index))),
        el('td', {class: 'mono'}, s.artifact || ''),
        el('td', {class: 'mono'}, s.version || ''),
        el('td', {class: 'mono'}, s.sha256 || ''),
        el('td', {}, verdict(result)));
  }

  function sameRelease(a, b) {
    return a.vendor === b.vendor && a.artifact === b.artifact && a.version === b.version;
  }

  // ---- views -----------------------------------------------------------

  // A cosignature line's time as shown; its 8 bytes may say anything
  // (nothing checks them), so one out of a Date's range is shown as is.
  function cosignedAt(w) {
    if (w.timestamp === null) return '(not a cosignature/v1 line)';
    const at = new Date(w.timestamp * 1000);
    return Number.isNaN(at.getTime()) ? `${w.timestamp} (out of range)` : at.toISOString();
  }

  function checkpointView() {
    const card = el('div', {class: 'card', id: 'checkpoint'}, el('h2', {}, 'Latest checkpoint'));
    if (!snapshot.ok) {
      card.append(el('p', {}, el('span', {class: 'verdict bad'},
          `NOT verified: ${snapshot.reason}`)));
      return card;
    }
    const cp = snapshot.checkpoint;
    card.append(
        el('p', {}, el('span', {class: 'verdict ok'}, 'verified'),
           ` signed by the pinned key ${snapshot.key.name}+${snapshot.key.keyIdHex}`),
        el('table', {},
           el('tr', {}, el('th', {}, 'Origin'), el('td', {class: 'mono'}, cp.origin)),
           el('tr', {}, el('th', {}, 'Tree size'), el('td', {class: 'mono'}, String(cp.size))),
           el('tr', {}, el('th', {}, 'Root hash'), el('td', {class: 'mono'}, cp.rootB64))),
        el('h3', {}, 'Witnesses'));
    if (snapshot.witnesses.length === 0) {
      card.append(el('p', {class: 'muted'}, 'No cosignatures on this checkpoint.'));
    } else {
      card.append(
          el('table', {id: 'witnesses'},
             el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Key ID'), el('th', {}, 'Cosigned at')),
             ...snapshot.witnesses.map((w) => el('tr', {},
                 el('td', {class: 'mono'}, w.name), el('td', {class: 'mono'}, w.keyIdHex),
                 el('td', {}, cosignedAt(w))))),
          el('p', {class: 'muted'}, 'Cosignature lines as listed in the checkpoint; this page ' +
             'pins no witness keys, so it does not check them (vitrine verify does).'));
    }
    if (cp.size > 0) {
      card.append(el('p', {}, el('a', {href: `#/entry/${cp.size - 1}`}, 'Latest entry')));
    }
    return card;
  }

  async function homeView(view) {
    view.append(checkpointView());
  }

  async function entryView(view, index) {
    const obj = await getJSON(`api/v1/entries/${index}`);
    const result = await verifyEntryObject(obj, () =>
      obj.index === index ? null : `the server sent entry ${obj.index} for index ${index}`);
    view.append(entryCard(result, `Entry ${index}`));
    const s = result.statement;
    if (!result.ok || s.kind !== 'release') return;
    // Rebuild statements of this release, found with the lookup of its
    // digest; each proved like the release.
    const found = await getJSON(`api/v1/lookup?sha256=${s.sha256}`);
    const rebuilds = el('div', {id: 'rebuilds'}, el('h2', {}, 'Rebuild statements'));
    let shown = 0;
    for (const o of Array.isArray(found.entries) ? found.entries : []) {
      if (o.index === index) continue;
      const r = await verifyEntryObject(o, null);
      // Proved entries that are no rebuild of this release (another
      // release of the same bytes) belong elsewhere; unproved ones are
      // shown, NOT verified.
      if (!r.ok || (r.statement.kind === 'rebuild' && sameRelease(r.statement, s))) {
        const match = r.ok ? (r.statement.sha256 === s.sha256
            ? el('p', {class: 'ok'}, 'The rebuild got the release\'s digest.')
            : el('p', {class: 'bad'}, 'The rebuild got a DIFFERENT digest.')) : null;
        const card = entryCard(r, `Rebuild ${r.index}`);
        if (match) card.append(match);
        rebuilds.append(card);
        shown++;
      }
    }
    if (shown === 0) rebuilds.append(el('p', {class: 'muted'}, 'None logged yet.'));
    view.append(rebuilds);
  }

  async function digestView(view, digest) {
    const found = await getJSON(`api/v1/lookup?sha256=${digest}`);
    view.append(el('h2', {}, 'Statements naming ', el('span', {class: 'mono'}, digest)));
    const objs = Array.isArray(found.entries) ? found.entries : [];
    // First prove every entry, then ask whether each is relevant: a
    // release or rebuild naming the digest, or a rebuild of such a release.
    const results = [];
    for (const o of objs) results.push(await verifyEntryObject(o, null));
    const releases = results.filter((r) => r.ok && r.statement.kind === 'release' &&
                                           r.statement.sha256 === digest);
    for (const r of results) {
      if (!r.ok) continue;
      const s = r.statement;
      if (s.sha256 !== digest &&
          !(s.kind === 'rebuild' && releases.some((x) => sameRelease(x.statement, s)))) {
        r.ok = false;
        r.reason = `entry ${r.index} neither names ${digest} nor rebuilds a release that does`;
      }
    }
    for (const r of results) view.append(entryCard(r));
    if (results.length === 0) {
      view.append(el('p', {class: 'muted'}, 'The server found no statement naming this digest ' +
          `(tree size ${found.size}). An absence cannot be proved here.`));
    }
    if (found.truncated) view.append(el('p', {class: 'warn'}, 'More entries exist than shown.'));
  }

  async function vendorView(view, vendor, before) {
    let url = `api/v1/vendors/${encodeURIComponent(vendor)}/releases`;
    if (before !== null) url += `?before=${before}`;
    const page = await getJSON(url);
    view.append(el('h2', {}, 'Releases by ', el('span', {class: 'mono'}, vendor),
                   before !== null ? ` before entry ${before}` : ''));
    const objs = Array.isArray(page.entries) ? page.entries : [];
    const table = el('table', {id: 'releases'},
        el('tr', {}, ...['Index', 'Artifact', 'Version', 'SHA-256', ''].map((h) => el('th', {}, h))));
    let last = before !== null ? before : Infinity;
    for (const o of objs) {
      // Newest first, below `before`, each a release of this vendor.
      const bound = last;
      const r = await verifyEntryObject(o, (s) =>
        s.kind !== 'release' ? 'not a release statement'
            : s.vendor !== vendor ? `a release of ${s.vendor}, not of ${vendor}`
            : !(o.index < bound) ? 'out of order: the history is newest first' : null);
      if (Number.isSafeInteger(o.index)) last = o.index;
      table.append(releaseRow(r));
    }
    if (objs.length === 0) view.append(el('p', {class: 'muted'}, 'No releases.'));
    else view.append(table);
    if (Number.isSafeInteger(page.next_before)) {
      view.append(el('p', {class: 'pager'}, el('a', {
        id: 'older',
        href: `#/vendor/${encodeURIComponent(vendor)}/before/${page.next_before}`,
      }, 'Older releases')));
    }
  }

  // ---- routing -----------------------------------------------------------

  function parseRoute(hash) {
    const parts = hash.replace(/^#\/?/, '').split('/');
    const count = (s) => /^(0|[1-9][0-9]{0,15})$/.test(s) && Number.isSafeInteger(Number(s));
    try {
      if (parts[0] === 'entry' && parts.length === 2 && count(parts[1])) {
        return {view: 'entry', index: Number(parts[1])};
      }
      if (parts[0] === 'sha256' && parts.length === 2 && /^[0-9a-f]{64}$/.test(parts[1])) {
        return {view: 'sha256', digest: parts[1]};
      }
      if (parts[0] === 'vendor' && parts.length === 2 && parts[1] !== '') {
        return {view: 'vendor', vendor: decodeURIComponent(parts[1]), before: null};
      }
      if (parts[0] === 'vendor' && parts.length === 4 && parts[2] === 'before' && count(parts[3])) {
        return {view: 'vendor', vendor: decodeURIComponent(parts[1]), before: Number(parts[3])};
      }
    } catch (e) {
      // A malformed percent-encoding: not a route.
    }
    return hash === '' || hash === '#' || hash === '#/' ? {view: 'home'} : {view: 'unknown'};
  }

  let rendering = 0;

  async function render() {
    const token = ++rendering;
    const view = document.getElementById('view');
    // data-render counts renders, data-state says when one is done (for
    // tests/explorer, which waits on them).
    const fresh = el('main', {id: 'view', 'aria-live': 'polite', 'data-state': 'loading',
                              'data-render': String(token)});
    fresh.append(el('p', {class: 'muted'}, 'Loading and verifying...'));
    view.replaceWith(fresh);
    const out = el('div', {});
    const route = parseRoute(location.hash);
    try {
      const verified = await loadSnapshot();
      // An older render that finishes late must not swap its snapshot
      // (perhaps under a key since unpinned) into a newer one.
      if (token !== rendering) return;
      snapshot = verified;
      if (route.view === 'home') await homeView(out);
      else if (route.view === 'entry') await entryView(out, route.index);
      else if (route.view === 'sha256') await digestView(out, route.digest);
      else if (route.view === 'vendor') await vendorView(out, route.vendor, route.before);
      else out.append(el('p', {class: 'bad'}, 'Unknown address: use the search above.'));
    } catch (e) {
      out.append(el('p', {class: 'bad error'}, reasonOf(e)));
    }
    if (token !== rendering) return;  // a newer navigation took over
    fresh.replaceChildren(...out.childNodes);
    fresh.setAttribute('data-state', 'done');
  }

  // ---- search --------------------------------------------------------------

  function searchError(message) {
    const p = document.getElementById('search-error');
    p.textContent = message;
    p.hidden = !message;
  }

  function search() {
    const q = document.getElementById('search').value.trim();
    searchError('');
    if (/^[0-9a-fA-F]{64}$/.test(q)) location.hash = `#/sha256/${q.toLowerCase()}`;
    else if (/^(0|[1-9][0-9]{0,15})$/.test(q)) location.hash = `#/entry/${q}`;
    else if (q !== '' && !/\s/.test(q)) location.hash = `#/vendor/${encodeURIComponent(q)}`;
    else searchError('Enter a SHA-256 (64 hex digits), a vendor name or a leaf index.');
  }

  async function hashFile(file) {
    searchError('');
    try {
      const digest = V.hex(await V.sha256(new Uint8Array(await file.arrayBuffer())));
      document.getElementById('search').value = digest;
      location.hash = `#/sha256/${digest}`;
    } catch (e) {
      searchError(`Cannot hash ${file.name}: ${reasonOf(e)}`);
    }
  }

  function start() {
    document.getElementById('pin-key').addEventListener('click', pinKey);
    document.getElementById('unpin-key').addEventListener('click', unpinKey);
    document.getElementById('search-go').addEventListener('click', search);
    document.getElementById('search').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') search();
    });
    document.getElementById('file').addEventListener('change', (e) => {
      if (e.target.files.length > 0) hashFile(e.target.files[0]);
    });
    const drop = document.getElementById('drop');
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      if (e.dataTransfer.files.length > 0) hashFile(e.dataTransfer.files[0]);
    });
    window.addEventListener('hashchange', render);
    render();
  }

  start();
})();
