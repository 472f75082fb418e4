// Checks HTTP exchanges against an OpenAPI 3.0 document (docs/openapi.yaml,
// docs/hq-openapi.yaml): the path and method are documented, the status is
// one of the operation's, the content type is the answer's, and a JSON body
// (request or answer) matches its schema. Strict by default: an object may
// hold only the properties the document names, so a field posd sends and the
// document does not is drift too. Local $refs only.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

export function loadDocument(file) {
  return YAML.parse(readFileSync(file, 'utf8'));
}

function resolve(doc, value, seen = new Set()) {
  if (Array.isArray(value)) return value.map((v) => resolve(doc, v, seen));
  if (!value || typeof value !== 'object') return value;
  if (typeof value.$ref === 'string') {
    const ref = value.$ref;
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
    if (seen.has(ref)) throw new Error(`$ref cycle at ${ref}`);
    const target = ref.slice(2).split('/').reduce((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    if (target === undefined) throw new Error(`$ref to nothing: ${ref}`);
    return resolve(doc, target, new Set([...seen, ref]));
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'example' || k === 'examples' ? v : resolve(doc, v, seen);
  return out;
}

// Every object schema that does not say otherwise holds only its named properties.
function strictly(schema) {
  if (Array.isArray(schema)) return schema.map(strictly);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'example' || k === 'examples' || k === 'enum' ? v : strictly(v);
  }
  const isObject = out.type === 'object' || out.properties;
  if (isObject && out.additionalProperties === undefined && !out.oneOf && !out.anyOf && !out.allOf) {
    out.additionalProperties = false;
  }
  return out;
}

const mediaType = (contentType) => (contentType || '').split(';')[0].trim().toLowerCase();

export class Contract {
  constructor(doc, { strict = true } = {}) {
    this.doc = resolve(doc, doc);
    this.strict = strict;
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(this.ajv);
    this.compiled = new Map();
    this.operations = [];
    for (const [template, item] of Object.entries(this.doc.paths || {})) {
      const names = [];
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name) => {
        names.push(name);
        return '([^/]+)';
      });
      for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
        if (!item[method]) continue;
        const params = [...(item.parameters || []), ...(item[method].parameters || [])];
        // A literal segment beats a parameter: /v1/stock/movements before /v1/stock/{sku}.
        this.operations.push({ method: method.toUpperCase(), template, names, regex: new RegExp(`^${pattern}$`),
          literal: template.replace(/\{[^}]+\}/g, '').length, op: item[method], params });
      }
    }
    this.operations.sort((a, b) => b.literal - a.literal);
  }

  // The operation a request reaches, with its path parameters, or null.
  find(method, path) {
    const bare = path.split('?')[0];
    for (const o of this.operations) {
      if (o.method !== method.toUpperCase()) continue;
      const m = o.regex.exec(bare);
      if (!m) continue;
      const values = {};
      o.names.forEach((n, i) => { values[n] = decodeURIComponent(m[i + 1]); });
      return { ...o, values };
    }
    return null;
  }

  validate(schema, value) {
    const s = this.strict ? strictly(schema) : schema;
    const key = JSON.stringify(s);
    let v = this.compiled.get(key);
    if (!v) {
      v = this.ajv.compile(s);
      this.compiled.set(key, v);
    }
    if (v(value)) return [];
    return v.errors.map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ''}${e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`);
  }

  // Problems with one exchange; [] when it is what the document says.
  // request: {method, path, body (parsed JSON or undefined), valid (false for a request meant to be refused)}
  // answer: {status, contentType, body (text)}
  check(request, answer) {
    const where = `${request.method} ${request.path} → ${answer.status}`;
    const found = this.find(request.method, request.path);
    if (!found) return [`${where}: no such operation in the document`];
    const problems = [];
    const { op } = found;
    if (!op.operationId) problems.push(`${where}: the operation has no operationId`);
    if (request.valid !== false) {
      const typed = (schema, value) => (schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value);
      for (const p of found.params.filter((p) => p.in === 'path')) {
        const schema = p.schema || {};
        for (const e of this.validate(schema, typed(schema, found.values[p.name]))) problems.push(`${where}: path parameter ${p.name} ${e}`);
      }
      const query = new URLSearchParams(request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '');
      for (const [name, value] of query) {
        const p = found.params.find((q) => q.in === 'query' && q.name === name);
        if (!p) { problems.push(`${where}: query parameter ${name} is not documented`); continue; }
        const schema = p.schema || {};
        for (const e of this.validate(schema, typed(schema, value))) problems.push(`${where}: query parameter ${name} ${e}`);
      }
      if (request.body !== undefined) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (!schema) problems.push(`${where}: a JSON body, but the operation documents none`);
        else for (const e of this.validate(schema, request.body)) problems.push(`${where}: request ${e}`);
      } else if (op.requestBody?.required) {
        problems.push(`${where}: the document requires a body`);
      }
    }
    const response = op.responses?.[String(answer.status)] || op.responses?.[`${String(answer.status)[0]}XX`] || op.responses?.default;
    if (!response) return [...problems, `${where}: status ${answer.status} is not documented for this operation`];
    const content = response.content;
    const type = mediaType(answer.contentType);
    if (!content) {
      if (answer.body) problems.push(`${where}: a ${type} body, but the document describes none`);
      return problems;
    }
    const media = content[type];
    if (!media) return [...problems, `${where}: content type ${type}, the document says ${Object.keys(content).join(', ')}`];
    if (type === 'application/json') {
      let parsed;
      try { parsed = JSON.parse(answer.body); } catch { return [...problems, `${where}: the body is not JSON`]; }
      if (media.schema) for (const e of this.validate(media.schema, parsed)) problems.push(`${where}: answer ${e}`);
    } else if (media.schema) {
      for (const e of this.validate(media.schema, answer.body)) problems.push(`${where}: answer ${e}`);
    }
    return problems;
  }
}

// A client whose every exchange is checked against the document: problems
// (and statuses other than the one expected) collect in `problems`, the
// operations reached in `seen`, every exchange in `exchanges`.
export class CheckedClient {
  constructor(url, contract, token) {
    this.url = url;
    this.contract = contract;
    this.token = token;
    this.problems = [];
    this.seen = new Set();
    this.exchanges = [];
  }

  // token: null sends none; raw: a body sent as is (not checked as a request).
  async call(method, p, { token = this.token, body, raw, type, headers = {}, valid = true, expect } = {}) {
    const h = { ...headers };
    if (token) h.Authorization = 'Bearer ' + token;
    let sent;
    if (body !== undefined) { sent = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
    if (raw !== undefined) { sent = raw; h['Content-Type'] = type || 'application/json'; }
    const r = await fetch(this.url + p, { method, headers: h, body: sent });
    const text = await r.text();
    const answer = { status: r.status, contentType: r.headers.get('content-type'), body: text };
    const request = { method, path: p, body, valid: valid && raw === undefined };
    this.exchanges.push({ request, answer });
    this.problems.push(...this.contract.check(request, answer));
    const found = this.contract.find(method, p);
    if (found) this.seen.add(`${found.method} ${found.template}`);
    if (expect !== undefined && r.status !== expect) this.problems.push(`${method} ${p}: expected ${expect}, got ${r.status} ${text.slice(0, 200)}`);
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, json, text, headers: r.headers };
  }

  // The document's operations this client never reached.
  unreached() {
    return this.contract.operations.map((o) => `${o.method} ${o.template}`).filter((o) => !this.seen.has(o));
  }
}
