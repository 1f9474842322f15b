// Kernel authoring from the CLI: `aivm seal` (refresh every file digest in
// aivm.json, including ONNX external data the model names) and
// `aivm verify --update-golden` (write agreed output hashes into the vectors).
import * as fs from 'fs';
import * as path from 'path';
import { AivmError } from '../errors';
import { MANIFEST_FILE, parseJsonStrict, updateManifestDigests } from '../kernel';
import { parseOnnxModel } from '../onnx';
import { readExternalFrom } from '../runtime/plain-model';

/** Files the model's external data points at, found by decoding the model. */
function externalDataFiles(dir: string, model: string): string[] {
  const bytes = new Uint8Array(fs.readFileSync(path.join(dir, model)));
  const found = new Set<string>();
  const read = readExternalFrom(dir);
  parseOnnxModel(bytes, {
    readExternal: (location, offset, length) => {
      found.add(location);
      return read(location, offset, length);
    },
  });
  return [...found];
}

export async function sealKernel(dir: string): Promise<string> {
  const manifest = readManifest(dir);
  const model = typeof manifest.model === 'string' ? manifest.model : undefined;
  let extra: string[] = [];
  try {
    extra = model ? externalDataFiles(dir, model) : [];
  } catch (err) {
    // A model that does not decode can still be sealed (loading will say what is wrong with it).
    if (!(err instanceof AivmError) || !err.code.startsWith('E_ONNX')) throw err;
  }
  return updateManifestDigests(dir, extra);
}

export async function setVectorHashes(dir: string, hashes: Record<string, string>): Promise<string> {
  const manifest = readManifest(dir);
  const vectors = manifest.vectors as { name: string; outputHash: string }[] | undefined;
  for (const v of vectors ?? []) if (hashes[v.name]) v.outputHash = hashes[v.name];
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return sealKernel(dir);
}

function readManifest(dir: string): Record<string, unknown> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AivmError('E_KERNEL_FILE', `cannot read ${file}: ${(err as Error).message}`);
  }
  const v = parseJsonStrict(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AivmError('E_KERNEL_MANIFEST', `${file}: expected an object`);
  return v as Record<string, unknown>;
}
