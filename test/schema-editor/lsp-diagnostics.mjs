// Drives the real yaml-language-server over stdio (LSP, JSON-RPC with Content-Length framing)
// the way an editor does, and prints the diagnostics it publishes for one document:
//
//   node lsp-diagnostics.mjs SERVER_JS SCHEMA_FILE modeline|settings CONFIG_FILE...
//
// SERVER_JS is yaml-language-server's bin script; each document is a CONFIG_FILE's text, opened
// (textDocument/didOpen) under its file:// URI in one server session. The schema is associated
// as a user would: "modeline" puts `# yaml-language-server: $schema=file://SCHEMA_FILE` on the
// first line of the document; "settings" uses the yaml.schemas setting instead (glob **/*.yaml).
// The schema store is disabled (no network). Output, sorted per file, one diagnostic a line:
//   [CONFIG_FILE ]<line>:<character> <severity> <message>
// (0-based, as LSP counts; line 0 is the modeline; the file only when there are several).
// Exits non-zero when the server does not publish for every document within the timeout or dies.
// With HOVER=LINE:CHARACTER in the environment, the hover text at that position of the first
// document is printed first, as `hover: <text>` (whitespace folded), as an editor shows it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [serverJs, schemaFile, mode, ...configFiles] = process.argv.slice(2);
if (!serverJs || !schemaFile || !['modeline', 'settings'].includes(mode) || configFiles.length === 0) {
  console.error('usage: lsp-diagnostics.mjs SERVER_JS SCHEMA_FILE modeline|settings CONFIG_FILE...');
  process.exit(2);
}
const schemaURI = pathToFileURL(path.resolve(schemaFile)).href;
const docs = new Map(configFiles.map((f) => {
  let text = readFileSync(f, 'utf8');
  if (mode === 'modeline') text = `# yaml-language-server: $schema=${schemaURI}\n` + text;
  return [pathToFileURL(path.resolve(f)).href, { file: f, text, diagnostics: null }];
}));
const settings = {
  yaml: {
    validate: true,
    hover: true,
    completion: true,
    format: { enable: false },
    schemaStore: { enable: false },
    schemas: mode === 'settings' ? { [schemaURI]: '**/*.yaml' } : {},
  },
};

const server = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
let serverErr = '';
server.stderr.on('data', (d) => { serverErr += d; });
server.on('exit', (code) => {
  if (!finished) fail(`yaml-language-server exited (${code}) before publishing diagnostics\n${serverErr}`);
});

let nextId = 1;
const pending = new Map();
function send(msg) {
  const body = JSON.stringify({ jsonrpc: '2.0', ...msg });
  server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
function request(method, params) {
  const id = nextId++;
  send({ id, method, params });
  return new Promise((resolve) => pending.set(id, resolve));
}
const notify = (method, params) => send({ method, params });

// Content-Length framing
let buf = Buffer.alloc(0);
server.stdout.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const headerEnd = buf.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const m = /Content-Length: (\d+)/i.exec(buf.subarray(0, headerEnd).toString());
    if (!m) return fail('bad header from server: ' + buf.subarray(0, headerEnd));
    const len = Number(m[1]);
    if (buf.length < headerEnd + 4 + len) return;
    const msg = JSON.parse(buf.subarray(headerEnd + 4, headerEnd + 4 + len).toString());
    buf = buf.subarray(headerEnd + 4 + len);
    onMessage(msg);
  }
});

let quietTimer = null;
let finished = false;
function onMessage(msg) {
  if (msg.id !== undefined && msg.method === undefined) { // a response to us
    pending.get(msg.id)?.(msg.result);
    pending.delete(msg.id);
    return;
  }
  if (msg.id !== undefined) { // a request from the server
    if (msg.method === 'workspace/configuration') {
      send({ id: msg.id, result: msg.params.items.map((i) => (i.section ? settings[i.section] ?? null : settings)) });
    } else {
      send({ id: msg.id, result: null }); // client/registerCapability, window/workDoneProgress/create, ...
    }
    return;
  }
  if (msg.method === 'textDocument/publishDiagnostics' && docs.has(msg.params.uri)) {
    // The server may publish more than once (e.g. before and after the schema loads): take the
    // last publication for each document, a quiet second after every document has one.
    docs.get(msg.params.uri).diagnostics = msg.params.diagnostics;
    clearTimeout(quietTimer);
    if ([...docs.values()].every((d) => d.diagnostics !== null)) quietTimer = setTimeout(done, 1000);
  }
}

function fail(why) {
  if (finished) return;
  finished = true;
  console.error(why);
  server.kill();
  process.exit(1);
}

async function done() {
  if (finished) return;
  finished = true;
  if (process.env.HOVER) {
    const [line, character] = process.env.HOVER.split(':').map(Number);
    const h = await request('textDocument/hover', { textDocument: { uri: docs.keys().next().value }, position: { line, character } });
    const c = h?.contents;
    const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x) => x.value ?? x).join(' ') : c?.value ?? '';
    console.log('hover: ' + text.replace(/\s+/g, ' ').trim());
  }
  const sev = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
  for (const doc of docs.values()) {
    const sorted = [...doc.diagnostics].sort((a, b) => a.range.start.line - b.range.start.line
      || a.range.start.character - b.range.start.character || a.message.localeCompare(b.message));
    for (const d of sorted) {
      const prefix = docs.size > 1 ? doc.file + ' ' : '';
      console.log(`${prefix}${d.range.start.line}:${d.range.start.character} ${sev[d.severity] ?? d.severity} ${d.message.replace(/\s+/g, ' ')}`);
    }
  }
  notify('exit');
  server.stdin.end();
  setTimeout(() => { server.kill(); process.exit(0); }, 200);
}

setTimeout(() => {
  const missing = [...docs.values()].filter((d) => d.diagnostics === null).map((d) => d.file);
  fail(`no diagnostics published within 60 s for: ${missing.join(' ')}\n${serverErr}`);
}, 60000);

const init = await request('initialize', {
  processId: process.pid,
  clientInfo: { name: 'rabbitmq-krm schema-editor test' },
  rootUri: null,
  workspaceFolders: null,
  capabilities: {
    workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
    textDocument: {
      publishDiagnostics: { relatedInformation: true },
      synchronization: { didSave: true },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      completion: { completionItem: { snippetSupport: true } },
    },
  },
  initializationOptions: {},
});
if (!init || !init.capabilities) fail('initialize returned no capabilities');
notify('initialized', {});
notify('workspace/didChangeConfiguration', { settings });
for (const [uri, doc] of docs) {
  notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: doc.text } });
}
