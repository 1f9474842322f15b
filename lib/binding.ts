// Loads the compiled addon and states its contract. node-gyp-build finds
// build/Release (from `npm install`) or prebuilds/<platform>-<arch> (prebuildify).
import * as path from 'path';
import { AivmError } from './errors';
import type { DType } from './tensor';

export interface NativeTensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

export type AttrValue = number | bigint | string | number[] | bigint[];

export interface NativeEngineInfo {
  version: string;
  numerics: string;
  isas: string[];
  defaultIsa: string;
  threads: number;
  ops: string[];
}

export interface NativeSelftest {
  isa: string;
  threads: number;
  numerics: string;
  cases: number;
  ops: Record<string, string>;
  total: string;
}

export interface NativeBinding {
  engineInfo(): NativeEngineInfo;
  setErrorClass(ctor: new (code: string, message: string) => Error): void;
  runOp(
    op: string,
    inputs: (NativeTensor | null)[],
    attrs: Record<string, AttrValue> | undefined,
    isa: string | undefined,
    threads: number | undefined,
  ): Promise<NativeTensor[]>;
  hashTensors(tensors: NativeTensor[]): string;
  selftest(isa: string | undefined, threads: number | undefined): Promise<NativeSelftest>;
}

let cached: NativeBinding | undefined;

export function binding(): NativeBinding {
  if (cached) return cached;
  const root = path.join(__dirname, '..');
  let native: NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    native = require('node-gyp-build')(root) as NativeBinding;
  } catch (err) {
    throw new AivmError(
      'E_NATIVE_MISSING',
      `@aivm/native: the compiled engine could not be loaded (${(err as Error).message}). ` +
        'Run `npm install` (or `npm run build`) in the package directory to compile it from source; ' +
        'it needs a C++17 compiler (g++ or clang) and python3 for node-gyp.',
    );
  }
  native.setErrorClass(AivmError as unknown as new (code: string, message: string) => Error);
  cached = native;
  return native;
}
