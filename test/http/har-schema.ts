// A compact JSON-schema-like check of HAR 1.2's required fields and types
// (http://www.softwareishard.com/blog/har-12-spec/), written for the export tests: no package.

type Schema =
  | {
      type: 'string' | 'number' | 'integer' | 'boolean';
      min?: number;
      pattern?: RegExp;
      enum?: unknown[];
    }
  | { type: 'array'; items: Schema }
  | { type: 'object'; required: string[]; props: Record<string, Schema> };

const str: Schema = { type: 'string' };
const num = (min?: number): Schema => ({ type: 'number', ...(min !== undefined ? { min } : {}) });
const int = (min?: number): Schema => ({ type: 'integer', ...(min !== undefined ? { min } : {}) });
const obj = (required: string[], props: Record<string, Schema>): Schema => ({
  type: 'object',
  required,
  props,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const nameValue = obj(['name', 'value'], { name: str, value: str });
const cookie = obj(['name', 'value'], {
  name: str,
  value: str,
  path: str,
  domain: str,
  expires: str,
  httpOnly: { type: 'boolean' },
  secure: { type: 'boolean' },
});
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export const HAR_SCHEMA: Schema = obj(['log'], {
  log: obj(['version', 'creator', 'entries'], {
    version: { type: 'string', enum: ['1.2'] },
    creator: obj(['name', 'version'], { name: str, version: str }),
    entries: arr(
      obj(['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'], {
        startedDateTime: { type: 'string', pattern: ISO },
        time: num(0),
        request: obj(
          [
            'method',
            'url',
            'httpVersion',
            'cookies',
            'headers',
            'queryString',
            'headersSize',
            'bodySize',
          ],
          {
            method: str,
            url: { type: 'string', pattern: /^[a-z]+:\/\// },
            httpVersion: str,
            cookies: arr(cookie),
            headers: arr(nameValue),
            queryString: arr(nameValue),
            postData: obj(['mimeType', 'text'], {
              mimeType: str,
              text: str,
              params: arr(obj(['name'], { name: str, value: str })),
              encoding: { type: 'string', enum: ['base64'] },
            }),
            headersSize: int(-1),
            bodySize: int(-1),
          },
        ),
        response: obj(
          [
            'status',
            'statusText',
            'httpVersion',
            'cookies',
            'headers',
            'content',
            'redirectURL',
            'headersSize',
            'bodySize',
          ],
          {
            status: int(0),
            statusText: str,
            httpVersion: str,
            cookies: arr(cookie),
            headers: arr(nameValue),
            content: obj(['size', 'mimeType'], {
              size: int(-1),
              compression: int(),
              mimeType: str,
              text: str,
              encoding: { type: 'string', enum: ['base64'] },
            }),
            redirectURL: str,
            headersSize: int(-1),
            bodySize: int(-1),
          },
        ),
        cache: obj([], {}),
        timings: obj(['send', 'wait', 'receive'], {
          blocked: num(-1),
          dns: num(-1),
          connect: num(-1),
          send: num(0),
          wait: num(0),
          receive: num(0),
          ssl: num(-1),
        }),
        serverIPAddress: str,
        connection: str,
        comment: str,
      }),
    ),
  }),
});

/** every violation as "path: problem"; empty when valid */
export function validate(value: unknown, schema: Schema = HAR_SCHEMA, path = '$'): string[] {
  const errs: string[] = [];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path}: not an object`];
      const o = value as Record<string, unknown>;
      for (const k of schema.required) if (!(k in o)) errs.push(`${path}.${k}: missing`);
      for (const [k, s] of Object.entries(schema.props))
        if (k in o) errs.push(...validate(o[k], s, `${path}.${k}`));
      return errs;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      value.forEach((v, i) => errs.push(...validate(v, schema.items, `${path}[${i}]`)));
      return errs;
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    default: {
      const isNum = schema.type === 'number' || schema.type === 'integer';
      if (isNum && (typeof value !== 'number' || !Number.isFinite(value)))
        return [`${path}: not a number`];
      if (schema.type === 'integer' && !Number.isInteger(value)) return [`${path}: not an integer`];
      if (schema.type === 'string' && typeof value !== 'string') return [`${path}: not a string`];
      if (schema.min !== undefined && (value as number) < schema.min)
        errs.push(`${path}: below ${schema.min}`);
      if (schema.pattern && !schema.pattern.test(value as string))
        errs.push(`${path}: does not match ${schema.pattern}`);
      if (schema.enum && !schema.enum.includes(value))
        errs.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
      return errs;
    }
  }
}
