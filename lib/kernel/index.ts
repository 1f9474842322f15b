// The kernel, whole: its directory (the aivm.json manifest, file digests, the
// kernel id), loading it ready to run, and checking and reading its inputs.
// See docs/KERNEL_FORMAT.md.
export { canonicalJson } from './canonical';
export { computeKernelId, fileDigest, KERNEL_ID_PREFIX } from './id';
export {
  manifestSchema,
  validateManifest,
  parseManifest,
  referencedFiles,
  pathProblem,
  KERNEL_FORMAT,
  MANIFEST_FILE,
  POLICIES,
  type KernelManifest,
  type KernelManifest as Manifest,
  type IoSpec,
  type ValidateOptions,
} from './manifest';
export { loadKernelFiles, checkAggregationScript, checkEngine, compareVersions, MAX_FILE_BYTES, type LoadedKernelFiles, type GoldenVector, type LoadOptions, type EngineIdentity } from './load';
export { parseSafetensors, type WeightTensor } from './safetensors';
export { loadKernel, type Kernel, type KernelVector } from './kernel';
export { checkInputs, checkRunInputs } from './check-inputs';
export { readInputsJson, readNpy, writeNpy } from './inputs';
export { readInputFile } from './input-file';
export { updateManifestDigests } from './authoring';
export { parseJsonStrict, JsonSyntaxError } from './json';
