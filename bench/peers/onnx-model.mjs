// A minimal protobuf writer for onnx.ModelProto: just the fields an attention graph needs, so the
// peers' graphs are built in code with no onnx or protobufjs dependency.
// Field numbers are those of onnx/onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto,
// ValueInfoProto, TypeProto.Tensor, TensorShapeProto, OperatorSetIdProto).

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

/** A message is a list of byte arrays; each helper returns the bytes of one field. */
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, n) => [...key(field, 0), ...varint(n)];
const bytes = (field, b) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field, s) => bytes(field, te.encode(s));
const msg = (field, parts) => bytes(field, parts.flat());
function float(field, x) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return [...key(field, 5), ...b];
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

function attribute(name, value) {
  if (Number.isInteger(value.i)) return msg(5, [str(1, name), int(3, value.i), int(20, ATTR_INT)]);
  return msg(5, [str(1, name), float(2, value.f), int(20, ATTR_FLOAT)]);
}

/**
 * One-node model. spec = { opType, domain ('' or 'com.microsoft'), inputs: [[name, shape, elem?] | ['', null]],
 * outputs: [[name, shape]], elem 'float' (default) or 'bool', attrs: { name: { i } | { f } }, opsets: [[domain, version]], irVersion }.
 * An input named '' is an omitted optional input.
 */
export function buildModel(spec) {
  const node = msg(1, [
    ...spec.inputs.map(([n]) => str(1, n)),
    ...spec.outputs.map(([n]) => str(2, n)),
    str(3, 'attention'),
    str(4, spec.opType),
    ...Object.entries(spec.attrs ?? {}).map(([n, v]) => attribute(n, v)),
    ...(spec.domain ? [str(7, spec.domain)] : []),
  ]);
  const graph = msg(7, [
    node,
    str(2, 'attnkit-bench'),
    ...spec.inputs.filter(([n]) => n !== '').map(([n, s, elem]) => valueInfo(11, n, s, elem)),
    ...spec.outputs.map(([n, s]) => valueInfo(12, n, s)),
  ]);
  const opsets = spec.opsets.map(([domain, version]) => msg(8, [str(1, domain), int(2, version)]));
  return Uint8Array.from([...int(1, spec.irVersion), ...str(2, 'attnkit-bench'), graph, ...opsets].flat());
}
