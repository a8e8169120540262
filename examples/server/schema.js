// Request bodies checked against a small subset of JSON Schema (type, properties, required,
// additionalProperties: false, items, minItems, maxItems, minimum, maximum, enum, pattern), enough for
// this API without a dependency. validate() returns the first problem as a sentence naming the field
// (`body.sequences[1][3]: expected an integer in [0, 511], got 600`), or null.

const TYPE_NAMES = {
  object: 'an object',
  array: 'an array',
  integer: 'an integer',
  string: 'a string',
  boolean: 'a boolean',
};

function typeOf(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  if (typeof x === 'number') return Number.isInteger(x) ? 'integer' : 'number';
  return typeof x;
}

function show(x) {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function expected(schema) {
  if (schema.type === 'integer' && schema.minimum !== undefined && schema.maximum !== undefined)
    return `an integer in [${schema.minimum}, ${schema.maximum}]`;
  return TYPE_NAMES[schema.type];
}

export function validate(schema, value, path = 'body') {
  const type = typeOf(value);
  if (type !== schema.type)
    return `${path}: expected ${expected(schema)}, got ${type === 'number' || type === 'string' ? show(value) : type}`;
  if (schema.enum && !schema.enum.includes(value))
    return `${path}: expected one of ${schema.enum.map(show).join(', ')}, got ${show(value)}`;
  if (
    type === 'integer' &&
    ((schema.minimum !== undefined && value < schema.minimum) ||
      (schema.maximum !== undefined && value > schema.maximum))
  )
    return `${path}: expected ${expected(schema) === TYPE_NAMES.integer ? `an integer ${schema.minimum !== undefined ? `>= ${schema.minimum}` : `<= ${schema.maximum}`}` : expected(schema)}, got ${value}`;
  if (type === 'string' && schema.pattern && !new RegExp(schema.pattern).test(value))
    return `${path}: expected ${schema.description ?? `a string matching /${schema.pattern}/`}, got ${show(value)}`;
  if (type === 'array') {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      return `${path}: expected at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}, got ${value.length}`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      return `${path}: too many items: at most ${schema.maxItems}, got ${value.length}`;
    for (let i = 0; i < value.length; i++) {
      const err = validate(schema.items, value[i], `${path}[${i}]`);
      if (err) return err;
    }
  }
  if (type === 'object') {
    for (const key of schema.required ?? []) if (!Object.hasOwn(value, key)) return `${path}.${key}: required`;
    for (const [key, v] of Object.entries(value)) {
      const sub = schema.properties[key];
      if (!sub) {
        if (schema.additionalProperties === false)
          return `${path}.${key}: unknown field (expected ${Object.keys(schema.properties).join(', ')})`;
        continue;
      }
      const err = validate(sub, v, `${path}.${key}`);
      if (err) return err;
    }
  }
  return null;
}

/** The schemas of the two request bodies, from the model's vocabulary and context and the server's limits. */
export function requestSchemas({ vocab, context }, { maxBatch, maxNewTokens }) {
  const token = { type: 'integer', minimum: 0, maximum: vocab - 1 };
  const sequence = { type: 'array', items: token, minItems: 1, maxItems: context };
  return {
    embed: {
      type: 'object',
      required: ['sequences'],
      additionalProperties: false,
      properties: { sequences: { type: 'array', items: sequence, minItems: 1, maxItems: maxBatch } },
    },
    generate: {
      type: 'object',
      required: ['tokens'],
      additionalProperties: false,
      properties: {
        tokens: sequence,
        maxTokens: { type: 'integer', minimum: 1, maximum: Math.min(maxNewTokens, context) },
        session: {
          type: 'string',
          pattern: '^\\d+\\.[0-9a-f-]{36}$',
          description: 'a session id returned by an earlier /v1/generate',
        },
        stream: { type: 'string', enum: ['ndjson', 'sse'] },
      },
    },
  };
}
