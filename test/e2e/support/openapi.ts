/**
 * Validates real API responses against the shipped `docs/openapi.json`: the operation must
 * document the status, the content type must be the documented one, and the body must match
 * the documented schema. A response the document does not describe fails the test.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ApiResponse, LocalInstance } from '../harness.js';

interface MediaType {
  schema?: unknown;
}
interface ResponseDoc {
  content?: Record<string, MediaType>;
}
type Operation = { responses: Record<string, ResponseDoc> };
type OpenApiDoc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const DOC_URL = new URL('../../../docs/openapi.json', import.meta.url);
const DOC_ID = 'openapi';

/** Zod puts `$id: "#/components/schemas/X"` on components; as JSON Schema ids those clash, so they go. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '$id').map(([k, v]) => [k, withoutIds(v)]));
}

/** Local refs (`#/components/...`) of an operation's schema, pointed at the whole document. */
function anchored(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`));
}

export class OpenApiChecker {
  private readonly doc: OpenApiDoc;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: { method: string; template: string; pattern: RegExp }[];

  constructor() {
    this.doc = withoutIds(JSON.parse(readFileSync(DOC_URL, 'utf8'))) as OpenApiDoc;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    this.ajv.addFormat('date-time', (v: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
    // zod's `startsWith` also emits a `pattern`, which is what is checked.
    this.ajv.addFormat('starts_with', true);
    this.ajv.addSchema({ components: this.doc.components }, DOC_ID);
    this.templates = Object.entries(this.doc.paths).flatMap(([template, ops]) =>
      Object.keys(ops).map((method) => ({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
      })),
    );
  }

  /** Throws, naming the route and the violations, unless `res` is what the document promises. */
  check(method: string, path: string, res: ApiResponse): void {
    const bare = path.split('?')[0] ?? path;
    const route = this.templates.find((t) => t.method === method.toUpperCase() && t.pattern.test(bare));
    if (route === undefined) throw new Error(`OpenAPI: ${method} ${bare} is not documented`);
    const where = `${route.method} ${route.template} → ${res.status}`;
    const documented = this.doc.paths[route.template]?.[route.method.toLowerCase()]?.responses[String(res.status)];
    if (documented === undefined) throw new Error(`OpenAPI: ${where} is not a documented response (${JSON.stringify(res.body).slice(0, 300)})`);
    const content = documented.content;
    if (content === undefined) {
      if (res.body !== '') throw new Error(`OpenAPI: ${where} documents no body, got ${JSON.stringify(res.body).slice(0, 200)}`);
      return;
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = content[type];
    if (media === undefined) throw new Error(`OpenAPI: ${where} has content-type ${type}, documented: ${Object.keys(content).join(', ')}`);
    const key = `${where} ${type}`;
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(anchored(media.schema ?? {}) as object);
      this.compiled.set(key, validate);
    }
    if (!validate(res.body)) {
      throw new Error(`OpenAPI: ${where} body does not match: ${this.ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body).slice(0, 500)}`);
    }
  }
}

export type CheckedApi = LocalInstance['api'];

/** `instance.api`, with every response checked against the OpenAPI document. */
export function checkedApi(instance: LocalInstance, checker: OpenApiChecker = new OpenApiChecker()): CheckedApi {
  return async <T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>> => {
    const res = await instance.api<T>(method, path, body, headers);
    checker.check(method, path, res as ApiResponse);
    return res;
  };
}
