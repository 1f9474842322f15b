// The schema of aivm.json (docs/KERNEL_FORMAT.md). Objects are strict: an
// unknown key is an error, because a typo such as "maxGass" would otherwise be
// ignored silently while still changing the kernel id. The schema has no
// defaults and no transforms, so the validated manifest is the parsed JSON
// itself and the kernel id can be computed over exactly what is in the file.
import { z } from 'zod';
import { AivmError, describe } from '../errors';
import { DTypes } from '../tensor';
import { JsonSyntaxError, parseJsonStrict } from './json';

export const KERNEL_FORMAT = 'aivm-kernel/1';
export const MANIFEST_FILE = 'aivm.json';
export const MAX_RANK = 8;
export const POLICIES = ['majority', 'quorum', 'median', 'custom'] as const;

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DIGEST = /^0x[0-9a-f]{64}$/;
const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;
const SEMVER_PRE = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$/;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const VECTOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Why a relative path is unacceptable, or null when it is fine. One spelling
 * per file ("a/b", never "./a/b" or "a//b"), so that "files" keys compare as
 * strings and a file cannot be listed twice under two names.
 */
export function pathProblem(p: string): string | null {
  if (p.length === 0) return 'must not be empty';
  if (p.length > 1024) return 'is longer than 1024 characters';
  if (p.startsWith('/')) return 'must be relative to the kernel directory, not start with "/"';
  if (p.includes('\\')) return 'must use "/" as separator (no "\\")';
  if (p.includes('\0')) return 'must not contain NUL';
  if (/^[A-Za-z]:/.test(p)) return 'must be relative (no drive letter)';
  for (const seg of p.split('/')) {
    if (seg === '..') return 'must not contain ".." segments (files stay inside the kernel directory)';
    if (seg === '.') return 'must not contain "." segments';
    if (seg === '') return 'must not contain empty segments ("//" or a trailing "/")';
  }
  return null;
}

// Path safety (relative, no "..", ...) is checked after the schema, with
// E_KERNEL_FILE: an escaping path is a file-access problem, not a typo.
const relPath = z.string().min(1);

const digest = z.string().regex(DIGEST, { error: 'expected a keccak256 digest "0x" + 64 lowercase hex digits' });

// Zod reports the issue of the branch whose type matched, so each branch
// carries the whole story.
const DIM_HELP = `expected a positive integer or a symbolic dimension name matching ${SYMBOL}`;
const dim = z.union(
  [z.number({ error: DIM_HELP }).int({ error: DIM_HELP }).positive({ error: DIM_HELP }).max(Number.MAX_SAFE_INTEGER, { error: DIM_HELP }), z.string().regex(SYMBOL, { error: DIM_HELP })],
  { error: DIM_HELP },
);

const ioSpec = z.strictObject({
  name: z.string().min(1).max(256),
  dtype: z.enum(DTypes),
  shape: z.array(dim).max(MAX_RANK),
});

const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const manifestSchema = z
  .strictObject({
    format: z.literal(KERNEL_FORMAT),
    name: z.string().regex(NAME, { error: `expected a name matching ${NAME} (lowercase letters, digits, ".", "_", "-")` }),
    version: z.string().regex(SEMVER_PRE, { error: 'expected a semantic version such as "1.0.0"' }),
    description: z.string().max(4096).optional(),
    engine: z.strictObject({
      numerics: z.string().min(1).max(64),
      minVersion: z.string().regex(SEMVER, { error: 'expected an engine version x.y.z such as "0.1.0"' }).optional(),
    }),
    model: relPath,
    weights: relPath.optional(),
    inputs: z.array(ioSpec).min(1),
    outputs: z.array(ioSpec).min(1),
    limits: z.strictObject({
      maxGas: positiveInt,
      maxMemoryBytes: positiveInt,
      maxDims: z.record(z.string(), positiveInt).optional(),
    }),
    aggregation: z.strictObject({
      script: relPath,
      policy: z.enum(POLICIES),
      quorum: z.number().gt(0, { error: 'quorum must be in (0, 1]' }).lte(1, { error: 'quorum must be in (0, 1]' }).optional(),
    }),
    vectors: z
      .array(
        z.strictObject({
          name: z.string().regex(VECTOR_NAME, { error: `expected a vector name matching ${VECTOR_NAME}` }),
          inputs: relPath,
          outputHash: digest,
        }),
      )
      .optional(),
    files: z.record(relPath, digest),
  })
  .superRefine((m, ctx) => {
    const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    uniqueNames(m.inputs, 'inputs', add);
    uniqueNames(m.outputs, 'outputs', add);
    uniqueNames(m.vectors ?? [], 'vectors', add);

    // Symbolic dimensions are bound by the inputs of a run; one that only an
    // output uses could never be bound.
    const inputSymbols = new Set(m.inputs.flatMap((i) => i.shape.filter((d): d is string => typeof d === 'string')));
    m.outputs.forEach((o, i) =>
      o.shape.forEach((d, j) => {
        if (typeof d === 'string' && !inputSymbols.has(d)) {
          add(['outputs', i, 'shape', j], `symbolic dimension "${d}" is not used by any input, so nothing binds it`);
        }
      }),
    );
    for (const key of Object.keys(m.limits.maxDims ?? {})) {
      if (!inputSymbols.has(key)) add(['limits', 'maxDims', key], `"${key}" is not a symbolic dimension of any input`);
    }

    if (m.aggregation.policy === 'quorum' && m.aggregation.quorum === undefined) {
      add(['aggregation', 'quorum'], 'required when policy is "quorum"');
    }

    m.vectors?.forEach((v, i) => {
      if (v.inputs.endsWith('.npy') && m.inputs.length !== 1) {
        add(['vectors', i, 'inputs'], `a .npy file holds one tensor but the kernel has ${m.inputs.length} inputs; use a .json inputs file`);
      }
    });

    if (Object.prototype.hasOwnProperty.call(m.files, MANIFEST_FILE)) {
      add(['files', MANIFEST_FILE], 'aivm.json cannot list its own digest');
    }
  });

export type KernelManifest = z.infer<typeof manifestSchema>;
export type IoSpec = KernelManifest['inputs'][number];

function uniqueNames(items: { name: string }[], list: string, add: (path: (string | number)[], message: string) => void): void {
  const seen = new Map<string, number>();
  items.forEach((it, i) => {
    const first = seen.get(it.name);
    if (first !== undefined) add([list, i, 'name'], `duplicate name "${it.name}" (also ${list}[${first}])`);
    else seen.set(it.name, i);
  });
}

/** The files a manifest refers to by field, with the JSON path of each reference. */
export function referencedFiles(m: KernelManifest): { path: string; field: string }[] {
  const refs = [{ path: m.model, field: 'model' }];
  if (m.weights !== undefined) refs.push({ path: m.weights, field: 'weights' });
  refs.push({ path: m.aggregation.script, field: 'aggregation.script' });
  (m.vectors ?? []).forEach((v, i) => refs.push({ path: v.inputs, field: `vectors[${i}].inputs` }));
  return refs;
}

export interface ValidateOptions {
  /** Require every referenced file to be listed in "files" (default true; authoring turns it off). */
  requireListed?: boolean;
}

/**
 * Checks a parsed aivm.json. Throws E_KERNEL_MANIFEST listing every problem as
 * `aivm.json: <json path>: <problem>`, one per line.
 */
export function validateManifest(value: unknown, opts: ValidateOptions = {}): KernelManifest {
  const result = manifestSchema.safeParse(value, { reportInput: true });
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...formatIssue(issue));
  } else {
    checkPaths(result.data);
  }
  if (result.success && opts.requireListed !== false) {
    for (const ref of referencedFiles(result.data)) {
      if (!Object.prototype.hasOwnProperty.call(result.data.files, ref.path)) {
        problems.push(`${MANIFEST_FILE}: ${ref.field}: file "${ref.path}" is not listed in "files" (run the authoring helper to add its digest)`);
      }
    }
  }
  if (problems.length > 0) {
    const head = problems.length === 1 ? 'invalid kernel manifest' : `invalid kernel manifest (${problems.length} problems)`;
    throw new AivmError('E_KERNEL_MANIFEST', `${head}:\n${problems.join('\n')}`);
  }
  return (result as { data: KernelManifest }).data;
}

/** E_KERNEL_FILE naming the field for any path that is absolute, has "..", etc. */
function checkPaths(m: KernelManifest): void {
  const bad: string[] = [];
  for (const ref of referencedFiles(m)) {
    const why = pathProblem(ref.path);
    if (why) bad.push(`${MANIFEST_FILE}: ${ref.field}: path ${JSON.stringify(ref.path)} ${why}`);
  }
  for (const key of Object.keys(m.files)) {
    const why = pathProblem(key);
    if (why) bad.push(`${MANIFEST_FILE}: ${jsonPath(['files', key])}: path ${JSON.stringify(key)} ${why}`);
  }
  if (bad.length > 0) throw new AivmError('E_KERNEL_FILE', `kernel file paths must stay inside the kernel directory:\n${bad.join('\n')}`);
}

/** Parses aivm.json text strictly (duplicate keys refused) and validates it. */
export function parseManifest(text: string, opts: ValidateOptions = {}): { manifest: KernelManifest; raw: unknown } {
  const raw = parseManifestJson(text);
  return { manifest: validateManifest(raw, opts), raw };
}

export function parseManifestJson(text: string): unknown {
  try {
    return parseJsonStrict(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new AivmError('E_KERNEL_MANIFEST', `${MANIFEST_FILE}: not valid JSON: ${err.message}`);
    }
    throw err;
  }
}

/** "inputs[0].dtype" from ["inputs", 0, "dtype"]; keys that are not identifiers are quoted. */
export function jsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

type Issue = z.core.$ZodIssue;

function formatIssue(issue: Issue): string[] {
  const at = (path: readonly PropertyKey[]) => `${MANIFEST_FILE}: ${jsonPath(path)}`;
  const got = (v: unknown) => (v === undefined ? 'nothing (the key is missing)' : typeof v === 'string' ? JSON.stringify(v) : describe(v));
  switch (issue.code) {
    case 'unrecognized_keys':
      // One line per key, with the key in the path, so each typo is pointed at.
      return issue.keys.map((k) => `${at([...issue.path, k])}: unknown key (not part of ${KERNEL_FORMAT})`);
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'an integer' : issue.expected;
      if (issue.input === undefined) return [`${at(issue.path)}: required ${expected} is missing`];
      return [`${at(issue.path)}: expected ${expected}, got ${got(issue.input)}`];
    }
    case 'invalid_value':
      return [`${at(issue.path)}: expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.join(', ')}`}, got ${got(issue.input)}`];
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const cmp = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array') return [`${at(issue.path)}: expected ${cmp} ${bound} items, got ${(issue.input as unknown[]).length}`];
      if (issue.origin === 'string') return [`${at(issue.path)}: expected a string of ${cmp} ${bound} characters`];
      if (issue.message && !issue.message.startsWith('Too ')) return [`${at(issue.path)}: ${issue.message}, got ${got(issue.input)}`];
      return [`${at(issue.path)}: expected a number ${cmp} ${bound}, got ${got(issue.input)}`];
    }
    case 'invalid_key':
      // A bad key of a record ("files"): the key's own issues carry the reason.
      return issue.issues.map((sub) => `${at(issue.path)}: ${sub.message}`);
    case 'invalid_format':
    case 'invalid_union':
      // Our schema gives these a message of its own; add what was found.
      return [`${at(issue.path)}: ${issue.message}${issue.code === 'invalid_format' ? `, got ${got(issue.input)}` : ''}`];
    default:
      return [`${at(issue.path)}: ${issue.message}`];
  }
}
