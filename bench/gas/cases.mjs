// The shapes the gas calibration (scripts/gas-calibrate.mjs) times every engine
// op on: tiny to large, contiguous and broadcast, few and many loops, so that the
// fitted cost model sees each term it has to price (docs/GAS.md).
// A case is { op, label, inputs: [{ dtype, shape, data? }], attrs }: an input
// with data is a constant of the program (the ops' build-time data inputs).

const f32 = (...shape) => ({ dtype: 'float32', shape });
const typed = (dtype, ...shape) => ({ dtype, shape });
const i64 = (values) => ({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values.map(BigInt)) });

/** Element counts of the elementwise sweeps: one element to a few million. */
const SIZES = [1, 64, 4096, 65536, 1 << 20, 1 << 22];

const UNARY = ['Abs', 'Neg', 'Sqrt', 'Reciprocal', 'Relu', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Erf', 'Softplus'];
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Equal', 'Less', 'Greater'];

function unaryCases(op, attrs = {}) {
  return SIZES.map((n) => ({ op, label: `[${n}]`, inputs: [f32(n)], attrs }));
}

/** Same shapes, a row broadcast, a column broadcast (one element per row: the most loops), rank 4. */
function broadcastShapes() {
  return [
    ...SIZES.map((n) => ({ label: `[${n}] + [${n}]`, a: [n], b: [n] })),
    { label: '[1024,1024] + [1024]', a: [1024, 1024], b: [1024] },
    { label: '[1024,1024] + [1024,1]', a: [1024, 1024], b: [1024, 1] },
    { label: '[65536,4] + [4]', a: [65536, 4], b: [4] },
    { label: '[1048576,1] + [1]', a: [1 << 20, 1], b: [1] },
    { label: '[262144,1] + [262144,1] -> rank 2', a: [1 << 18, 1], b: [1 << 18, 1] },
    { label: '[8,16,64,64] + [16,1,1]', a: [8, 16, 64, 64], b: [16, 1, 1] },
    { label: '[64,64,16,16] + [64,1,16,1]', a: [64, 64, 16, 16], b: [64, 1, 16, 1] },
    { label: '[4,1] + [1,4]', a: [4, 1], b: [1, 4] },
  ];
}

function binaryCases(op) {
  return broadcastShapes().map(({ label, a, b }) => ({ op, label, inputs: [f32(...a), f32(...b)], attrs: {} }));
}

function matmulCases() {
  const mm = (label, a, b) => ({ op: 'MatMul', label, inputs: [f32(...a), f32(...b)], attrs: {} });
  return [
    mm('1x1x1', [1, 1], [1, 1]),
    mm('8x8x8', [8, 8], [8, 8]),
    mm('64x64x64', [64, 64], [64, 64]),
    mm('256x256x256', [256, 256], [256, 256]),
    mm('512x512x512', [512, 512], [512, 512]),
    mm('1x1024x1024 (gemv)', [1, 1024], [1024, 1024]),
    mm('1024x1024x1', [1024, 1024], [1024, 1]),
    mm('1024x1x1024 (outer)', [1024, 1], [1, 1024]),
    mm('128x4096x16', [128, 4096], [4096, 16]),
    mm('16 batches of 64x64x64', [16, 64, 64], [16, 64, 64]),
    mm('65536 batches of 1x1x1', [65536, 1, 1], [65536, 1, 1]),
    mm('65536 batches of 1x1x1, broadcast B', [65536, 1, 1], [1, 1]),
    mm('4096 batches of 4x4x4', [4096, 4, 4], [4096, 4, 4]),
    mm('[8,128,64]x[64,128]', [8, 128, 64], [64, 128]),
    mm('[2,8,128,64]x[2,8,64,128] (attention)', [2, 8, 128, 64], [2, 8, 64, 128]),
  ];
}

function gemmCases() {
  const g = (label, a, b, c, attrs = {}) => ({ op: 'Gemm', label, inputs: c ? [f32(...a), f32(...b), f32(...c)] : [f32(...a), f32(...b)], attrs });
  return [
    g('1x1x1', [1, 1], [1, 1]),
    g('1x64x10 + bias', [1, 64], [64, 10], [10]),
    g('64x64x64 + bias', [64, 64], [64, 64], [64]),
    g('256x256x256 transB', [256, 256], [256, 256], [256], { transB: 1n }),
    g('512x512x512 transA', [512, 512], [512, 512], null, { transA: 1n }),
    g('1x1024x1024 + bias', [1, 1024], [1024, 1024], [1024]),
    g('1024x512x1 + bias, alpha, beta', [1024, 512], [512, 1], [1024, 1], { alpha: 0.5, beta: 2 }),
  ];
}

function convCases() {
  const c = (label, x, w, bias, attrs) => ({
    op: 'Conv', label,
    inputs: bias ? [f32(...x), f32(...w), f32(w[0])] : [f32(...x), f32(...w)],
    attrs: { kernel_shape: w.slice(2).map(BigInt), ...attrs },
  });
  const pad1 = { pads: [1n, 1n, 1n, 1n] };
  return [
    c('1x1x1x1 k1', [1, 1, 1, 1], [1, 1, 1, 1], false, {}),
    c('1x3x32x32 k3 -> 16', [1, 3, 32, 32], [16, 3, 3, 3], true, pad1),
    c('1x16x56x56 k3 -> 16', [1, 16, 56, 56], [16, 16, 3, 3], true, pad1),
    c('1x64x28x28 k3 -> 64', [1, 64, 28, 28], [64, 64, 3, 3], true, pad1),
    c('1x64x14x14 k1 -> 128', [1, 64, 14, 14], [128, 64, 1, 1], true, {}),
    c('1x32x56x56 depthwise k3', [1, 32, 56, 56], [32, 1, 3, 3], true, { ...pad1, group: 32n }),
    c('1x4x4x4 depthwise k3', [1, 4, 4, 4], [4, 1, 3, 3], false, { ...pad1, group: 4n }),
    c('1x144x28x28 depthwise k3 stride 2', [1, 144, 28, 28], [144, 1, 3, 3], true, { ...pad1, strides: [2n, 2n], group: 144n }),
    c('1x8x128x128 depthwise k5 multiplier 2', [1, 8, 128, 128], [16, 1, 5, 5], true, { group: 8n }),
    c('1x512x7x7 depthwise k3', [1, 512, 7, 7], [512, 1, 3, 3], true, { ...pad1, group: 512n }),
    c('1x8x64x64 k5 stride 2', [1, 8, 64, 64], [8, 8, 5, 5], false, { strides: [2n, 2n] }),
    c('8x1x28x28 k5 -> 4', [8, 1, 28, 28], [4, 1, 5, 5], true, {}),
    c('1x256x4x4 k3 -> 256, dilation 2', [1, 256, 8, 8], [256, 256, 3, 3], false, { dilations: [2n, 2n] }),
    c('1x1x512x512 k1 -> 1', [1, 1, 512, 512], [1, 1, 1, 1], false, {}),
    c('65536x1x1x1 k1 (a call per image)', [65536, 1, 1, 1], [1, 1, 1, 1], false, {}),
    c('1x16384x2x2 group 16384, 6 outputs each (a call per group)', [1, 16384, 2, 2], [98304, 1, 1, 1], true, { group: 16384n }),
  ];
}

function poolCases(op) {
  const p = (label, x, k, attrs = {}) => ({ op, label, inputs: [f32(...x)], attrs: { kernel_shape: k.map(BigInt), ...attrs } });
  return [
    p('1x1x1x1 k1', [1, 1, 1, 1], [1, 1]),
    p('1x16x32x32 k2 s2', [1, 16, 32, 32], [2, 2], { strides: [2n, 2n] }),
    p('1x64x112x112 k3 s2 pad1', [1, 64, 112, 112], [3, 3], { strides: [2n, 2n], pads: [1n, 1n, 1n, 1n] }),
    p('1x8x64x64 k7', [1, 8, 64, 64], [7, 7]),
    p('256x1x8x8 k2', [256, 1, 8, 8], [2, 2]),
    p('1x1x1024x1024 k1 (copy)', [1, 1, 1024, 1024], [1, 1]),
  ];
}

function globalPoolCases() {
  const g = (x) => ({ op: 'GlobalAveragePool', label: `[${x}]`, inputs: [f32(...x)], attrs: {} });
  return [g([1, 1, 1, 1]), g([1, 512, 7, 7]), g([1, 16, 256, 256]), g([64, 1024, 1, 1]), g([1, 1, 1024, 1024])];
}

function rowOpCases(op) {
  // Softmax / LogSoftmax / LayerNormalization over the last axis: few long rows to many short ones.
  const rows = [[1, 1], [1, 1024], [64, 1024], [4096, 256], [65536, 16], [262144, 1], [1, 1 << 20]];
  return rows.map(([r, c]) => {
    if (op === 'LayerNormalization') {
      return { op, label: `[${r},${c}]`, inputs: [f32(r, c), f32(c), f32(c)], attrs: { axis: -1n } };
    }
    return { op, label: `[${r},${c}]`, inputs: [f32(r, c)], attrs: { axis: -1n } };
  }).concat(op === 'LayerNormalization' ? [] : [
    { op, label: '[64,1024,16] axis 1', inputs: [f32(64, 1024, 16)], attrs: { axis: 1n } },
    { op, label: '[4096,4,4] axis 1', inputs: [f32(4096, 4, 4)], attrs: { axis: 1n } },
  ]);
}

function batchNormCases() {
  const shapes = [[1, 1, 1, 1], [1, 64, 56, 56], [8, 256, 7, 7], [1, 1024, 1, 1], [64, 16, 1, 1], [1, 4, 512, 512]];
  return shapes.map((x) => ({
    op: 'BatchNormalization', label: `[${x}]`,
    inputs: [f32(...x), f32(x[1]), f32(x[1]), f32(x[1]), f32(x[1])], attrs: { epsilon: 1e-5 },
  }));
}

function reduceCases(op) {
  const r = (x, axes, keepdims = 1n) => ({ op, label: `[${x}] axes ${axes}`, inputs: [f32(...x), i64(axes)], attrs: { keepdims } });
  return [
    r([1], [0]),
    r([1024, 1024], [1]),
    r([1024, 1024], [0]),
    r([1 << 20], [0]),
    r([262144, 4], [1]),
    r([64, 64, 64], [0, 2], 0n),
    r([4, 1 << 18], [1]),
    r([64, 1024], [0]),
    r([16, 64, 64], [1]),
    r([64, 64, 64], [0, 2], 0n),
    r([4096, 16], [0]),
    r([256, 256, 16], [0, 1]),
  ];
}

function shapeOpCases() {
  const cases = [];
  const add = (op, label, inputs, attrs = {}) => cases.push({ op, label, inputs, attrs });
  for (const n of [1, 4096, 1 << 20, 1 << 22]) add('Reshape', `[${n}] -> [${n}/4,4]`, [f32(n), i64(n >= 4 ? [n / 4, 4] : [1, 1])]);
  add('Reshape', '[4194304] -> [1,4194304]', [f32(1 << 22), i64([1, 1 << 22])]);
  add('Reshape', '[1024,1024] -> [1048576]', [f32(1024, 1024), i64([1 << 20])]);
  add('Reshape', '[65536] int64 -> [256,256]', [typed('int64', 1 << 16), i64([256, 256])]);
  add('Transpose', '[1]', [f32(1)]);
  add('Transpose', '[1024,1024] perm 1,0', [f32(1024, 1024)], { perm: [1n, 0n] });
  add('Transpose', '[64,64,64] perm 2,1,0', [f32(64, 64, 64)], { perm: [2n, 1n, 0n] });
  add('Transpose', '[8,128,8,64] perm 0,2,1,3', [f32(8, 128, 8, 64)], { perm: [0n, 2n, 1n, 3n] });
  add('Transpose', '[262144,4] perm 1,0', [f32(1 << 18, 4)], { perm: [1n, 0n] });
  add('Transpose', '[4,262144] perm 1,0', [f32(4, 1 << 18)], { perm: [1n, 0n] });
  add('Transpose', '[2048,2048] perm 1,0', [f32(2048, 2048)], { perm: [1n, 0n] });
  add('Transpose', '[2048,2048] bool perm 1,0', [typed('bool', 2048, 2048)], { perm: [1n, 0n] });
  add('Transpose', '[1048576,2,2] bool perm 1,0,2', [typed('bool', 1 << 20, 2, 2)], { perm: [1n, 0n, 2n] });
  add('Transpose', '[512,512] int64 (default perm)', [typed('int64', 512, 512)]);
  add('Transpose', '[64,32,16,8] perm 1,0,2,3 (runs of 128)', [f32(64, 32, 16, 8)], { perm: [1n, 0n, 2n, 3n] });
  add('Transpose', '[4096,64,4] perm 1,0,2 (runs of 4)', [f32(4096, 64, 4)], { perm: [1n, 0n, 2n] });
  add('Transpose', '[2,3,4] perm 1,0,2 (tiny runs)', [f32(2, 3, 4)], { perm: [1n, 0n, 2n] });
  add('Transpose', '[1,4194304] perm 1,0 (one copy)', [f32(1, 1 << 22)], { perm: [1n, 0n] });
  add('Concat', '2 x [1]', [f32(1), f32(1)], { axis: 0n });
  add('Concat', '2 x [1024,512] axis 1', [f32(1024, 512), f32(1024, 512)], { axis: 1n });
  add('Concat', '2 x [1048576,1] axis 1', [f32(1 << 20, 1), f32(1 << 20, 1)], { axis: 1n });
  add('Concat', '64 x [64,64] axis 0', Array.from({ length: 64 }, () => f32(64, 64)), { axis: 0n });
  add('Concat', '1024 x [1] axis 0', Array.from({ length: 1024 }, () => f32(1)), { axis: 0n });
  add('Split', '[2] into 2', [f32(2)], { axis: 0n, num_outputs: 2n });
  add('Split', '[1024,1024] axis 1 into 2', [f32(1024, 1024)], { axis: 1n, num_outputs: 2n });
  add('Split', '[1048576,2] axis 1 into 2', [f32(1 << 20, 2)], { axis: 1n, num_outputs: 2n });
  add('Split', '[4096] into 4096', [f32(4096)], { axis: 0n, num_outputs: 4096n });
  add('Split', '[64,4096] axis 0 into 64', [f32(64, 4096)], { axis: 0n, num_outputs: 64n });
  add('Slice', '[1] all', [f32(1), i64([0]), i64([1])]);
  add('Slice', '[1048576] half', [f32(1 << 20), i64([0]), i64([1 << 19])]);
  add('Slice', '[1024,1024] cols 0:512', [f32(1024, 1024), i64([0]), i64([512]), i64([1])]);
  add('Slice', '[1048576,2] cols 0:1', [f32(1 << 20, 2), i64([0]), i64([1]), i64([1])]);
  add('Slice', '[1048576] step 2', [f32(1 << 20), i64([0]), i64([1 << 20]), i64([0]), i64([2])]);
  add('Slice', '[64,64,64] step -1 on axes 0,2', [f32(64, 64, 64), i64([-1, -1]), i64([-(2 ** 40), -(2 ** 40)]), i64([0, 2]), i64([-1, -1])]);
  add('Slice', '[8,128,64] middle rows', [f32(8, 128, 64), i64([16]), i64([112]), i64([1])]);
  add('Slice', '[4096,4] cols 1:3', [f32(4096, 4), i64([1]), i64([3]), i64([1])]);
  add('Slice', '[65536,16] step 2 on axis 1', [f32(65536, 16), i64([0]), i64([16]), i64([1]), i64([2])]);
  const idx = (n, range) => ({ dtype: 'int64', shape: [n], fill: range });
  add('Gather', '[1] by [1]', [f32(1), idx(1, 1)], { axis: 0n });
  add('Gather', '[1000,512] rows by [128] (embedding)', [f32(1000, 512), idx(128, 1000)], { axis: 0n });
  add('Gather', '[1024,1024] cols by [512] axis 1', [f32(1024, 1024), idx(512, 1024)], { axis: 1n });
  add('Gather', '[1048576] by [1048576]', [f32(1 << 20), idx(1 << 20, 1 << 20)], { axis: 0n });
  add('Gather', '[65536,1] by [65536]', [f32(1 << 16, 1), idx(1 << 16, 1 << 16)], { axis: 0n });
  add('Gather', '[4194304] by [4194304] (data past the caches)', [f32(1 << 22), idx(1 << 22, 1 << 22)], { axis: 0n });
  add('Expand', '[1] -> [1]', [f32(1), i64([1])]);
  add('Expand', '[1] -> [1048576]', [f32(1), i64([1 << 20])]);
  add('Expand', '[1024] -> [1024,1024]', [f32(1024), i64([1024, 1024])]);
  add('Expand', '[1024,1] -> [1024,1024]', [f32(1024, 1), i64([1024, 1024])]);
  add('Expand', '[4,1] -> [4,262144]', [f32(4, 1), i64([4, 1 << 18])]);
  add('Expand', '[1048576,1] -> [1048576,2]', [f32(1 << 20, 1), i64([1 << 20, 2])]);
  // Cast's three cost classes (lib/ir/gas.ts gasClass): from float32, from integers to bool, the rest.
  for (const n of [1, 4096, 1 << 20, 1 << 22]) add('Cast', `[${n}] float32 -> int64`, [f32(n)], { to: 7n });
  add('Cast', '[65536] float32 -> int32', [f32(1 << 16)], { to: 6n });
  for (const n of [1, 4096, 1 << 20]) add('Cast', `[${n}] float32 -> bool`, [f32(n)], { to: 9n });
  for (const n of [1, 65536, 1 << 20]) add('Cast', `[${n}] int64 -> bool`, [typed('int64', n)], { to: 9n });
  add('Cast', '[65536] int32 -> bool', [typed('int32', 1 << 16)], { to: 9n });
  add('Cast', '[65536] bool -> bool', [typed('bool', 1 << 16)], { to: 9n });
  for (const n of [1, 4096, 1 << 20, 1 << 22]) add('Cast', `[${n}] int32 -> float32`, [typed('int32', n)], { to: 1n });
  add('Cast', '[1048576] int64 -> float32', [typed('int64', 1 << 20)], { to: 1n });
  add('Cast', '[1048576] bool -> float32', [typed('bool', 1 << 20)], { to: 1n });
  add('Cast', '[65536] int32 -> int64', [typed('int32', 1 << 16)], { to: 7n });
  add('Cast', '[1048576] float32 -> float32', [f32(1 << 20)], { to: 1n });
  return cases;
}

function otherUnaryCases() {
  return [
    ...unaryCases('LeakyRelu', { alpha: 0.01 }),
    ...unaryCases('Gelu', { approximate: 'none' }),
    ...unaryCases('Gelu', { approximate: 'tanh' }).map((c) => ({ ...c, label: `${c.label} tanh` })),
    ...SIZES.map((n) => ({ op: 'Clip', label: `[${n}] min max`, inputs: [f32(n), { dtype: 'float32', shape: [], data: new Float32Array([0.6]) }, { dtype: 'float32', shape: [], data: new Float32Array([1.5]) }], attrs: {} })),
    ...SIZES.map((n) => ({ op: 'Abs', label: `[${n}] int64`, inputs: [typed('int64', n)], attrs: {} })),
  ];
}

function whereCases() {
  return broadcastShapes().map(({ label, a, b }) => ({
    op: 'Where', label, inputs: [typed('bool', ...a), f32(...a), f32(...b)], attrs: {},
  }));
}

/** Every case, grouped by op; the calibration checks that every engine op has cases. */
export function gasCases() {
  return [
    ...UNARY.flatMap((op) => unaryCases(op)),
    ...otherUnaryCases(),
    ...BINARY.flatMap((op) => binaryCases(op)),
    ...broadcastShapes().slice(0, 3).map(({ label, a, b }) => ({ op: 'Add', label: `${label} int64`, inputs: [typed('int64', ...a), typed('int64', ...b)], attrs: {} })),
    ...whereCases(),
    ...matmulCases(),
    ...gemmCases(),
    ...convCases(),
    ...poolCases('MaxPool'),
    ...poolCases('AveragePool'),
    ...globalPoolCases(),
    ...rowOpCases('Softmax'),
    ...rowOpCases('LogSoftmax'),
    ...rowOpCases('LayerNormalization'),
    ...batchNormCases(),
    ...['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin'].flatMap(reduceCases),
    ...shapeOpCases(),
  ];
}
