// Authoring helper: after editing a kernel's files, recompute the digests in
// aivm.json "files" and write it back. Loading never writes; only this does.
import { promises as fs } from 'fs';
import * as path from 'path';
import { AivmError } from '../errors';
import { computeKernelId, fileDigest } from './id';
import { MANIFEST_FILE, parseManifestJson, pathProblem, referencedFiles, validateManifest } from './manifest';
import { readKernelFile, readManifestText, realDir } from './load';

/**
 * Recomputes "files" of `dir`/aivm.json: every file the manifest references
 * (model, weights, aggregation script, vector inputs), every file already
 * listed (e.g. ONNX external data added earlier) and `extraFiles` (paths
 * relative to the directory, e.g. external data named inside the model).
 * Writes aivm.json back with 2-space indentation and a trailing newline, keys
 * in the order they had (new "files" keys sorted), and returns the new kernel id.
 */
export async function updateManifestDigests(dir: string, extraFiles: string[] = []): Promise<string> {
  const root = await realDir(dir);
  const raw = parseManifestJson(await readManifestText(root));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AivmError('E_KERNEL_MANIFEST', `${MANIFEST_FILE}: (top level): expected an object`);
  }
  const doc = raw as Record<string, unknown>;
  // A new kernel may have no "files" yet; the schema needs the key to exist.
  const current = doc.files === undefined ? {} : doc.files;
  const manifest = validateManifest({ ...doc, files: current }, { requireListed: false });

  const paths = new Set<string>([...referencedFiles(manifest).map((r) => r.path), ...Object.keys(manifest.files)]);
  for (const p of extraFiles) {
    const why = pathProblem(p);
    if (why) throw new AivmError('E_KERNEL_FILE', `${p}: path ${why}`);
    if (p === MANIFEST_FILE) throw new AivmError('E_KERNEL_FILE', 'aivm.json cannot list its own digest');
    paths.add(p);
  }
  const files: Record<string, string> = {};
  for (const p of [...paths].sort()) files[p] = fileDigest(await readKernelFile(root, p));
  doc.files = files;

  validateManifest(doc); // now complete: every reference listed
  await fs.writeFile(path.join(root, MANIFEST_FILE), JSON.stringify(doc, null, 2) + '\n');
  return computeKernelId(doc);
}
