// A minimal protobuf writer for onnx.ModelProto: just the fields the peers' graphs need, so they are
// built in code with no onnx or protobufjs dependency.
// Field numbers are those of onnx/onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto, TypeProto.Tensor, TensorShapeProto, OperatorSetIdProto).
// A field is written as a list of byte chunks, so a weight's raw data is placed without copying it
// into a JavaScript array.

const te = new TextEncoder();

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n; // int64 negatives: two's complement, 10 bytes
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

const size = (chunks) => chunks.reduce((n, c) => n + c.length, 0);
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, n) => [Uint8Array.from([...key(field, 0), ...varint(n)])];
const bytes = (field, b) => [Uint8Array.from([...key(field, 2), ...varint(b.length)]), b];
const str = (field, s) => bytes(field, te.encode(s));
/** An embedded message from its fields (each a list of chunks). */
function msg(field, parts) {
  const chunks = parts.flat();
  return [Uint8Array.from([...key(field, 2), ...varint(size(chunks))]), ...chunks];
}
function float(field, x) {
  const b = new Uint8Array(5);
  b[0] = key(field, 5)[0];
  new DataView(b.buffer).setFloat32(1, x, true);
  return [b];
}

const ELEM = { float: 1, bool: 9 };
const ATTR_FLOAT = 1;
const ATTR_INT = 2;

/** ValueInfoProto of a float (or bool) tensor with a fixed shape. */
function valueInfo(field, name, shape, elem = 'float') {
  const dims = shape.map((d) => msg(1, [int(1, d)]));
  const tensorType = msg(1, [int(1, ELEM[elem]), msg(2, dims)]);
  return msg(field, [str(1, name), msg(2, [tensorType])]);
}

/** TensorProto of a float32 initializer: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
function initializer(name, shape, data) {
  if (data.length !== shape.reduce((a, d) => a * d, 1))
    throw new Error(`onnx-model: initializer ${name} has ${data.length} values for shape [${shape}]`);
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // x86 and arm64 are little-endian
  return msg(5, [...shape.map((d) => int(1, d)), int(2, ELEM.float), str(8, name), bytes(9, raw)]);
}

function attribute(name, value) {
  if (Number.isInteger(value.i)) return msg(5, [str(1, name), int(3, value.i), int(20, ATTR_INT)]);
  return msg(5, [str(1, name), float(2, value.f), int(20, ATTR_FLOAT)]);
}

function nodeProto(n, i) {
  return msg(1, [
    ...n.inputs.map((name) => str(1, name)),
    ...n.outputs.map((name) => str(2, name)),
    str(3, n.name ?? `node${i}`),
    str(4, n.opType),
    ...Object.entries(n.attrs ?? {}).map(([name, v]) => attribute(name, v)),
    ...(n.domain ? [str(7, n.domain)] : []),
  ]);
}

/**
 * A model of several nodes. spec = { nodes: [{ opType, domain?, inputs: [name], outputs: [name], attrs? }],
 * inputs: [[name, shape, elem?]], outputs: [[name, shape]], initializers?: [[name, shape, Float32Array]],
 * opsets: [[domain, version]], irVersion }. Nodes must be in topological order; an input named '' is an
 * omitted optional input.
 */
export function buildGraph(spec) {
  const graph = msg(7, [
    ...spec.nodes.map(nodeProto),
    str(2, 'attnkit-bench'),
    ...(spec.initializers ?? []).map(([n, s, data]) => initializer(n, s, data)),
    ...spec.inputs.map(([n, s, elem]) => valueInfo(11, n, s, elem)),
    ...spec.outputs.map(([n, s]) => valueInfo(12, n, s)),
  ]);
  const opsets = spec.opsets.map(([domain, version]) => msg(8, [str(1, domain), int(2, version)]));
  const chunks = [...int(1, spec.irVersion), ...str(2, 'attnkit-bench'), ...graph, ...opsets.flat()];
  const out = new Uint8Array(size(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * One-node model. spec = { opType, domain ('' or 'com.microsoft'), inputs: [[name, shape, elem?] | ['', null]],
 * outputs: [[name, shape]], elem 'float' (default) or 'bool', attrs: { name: { i } | { f } }, opsets: [[domain, version]], irVersion }.
 * An input named '' is an omitted optional input.
 */
export function buildModel(spec) {
  return buildGraph({
    ...spec,
    nodes: [
      {
        name: 'attention',
        opType: spec.opType,
        domain: spec.domain,
        inputs: spec.inputs.map(([n]) => n),
        outputs: spec.outputs.map(([n]) => n),
        attrs: spec.attrs,
      },
    ],
    inputs: spec.inputs.filter(([n]) => n !== ''),
  });
}
