// Where a node gets the kernel a request names: its memory cache, else a kernel
// directory under --kernels with that id, else the registry's registrations
// (the requester's first; fetchRegisteredKernel skips a squatter's URI, never
// runs it). Whatever the source, the kernel's id must be the requested one.
import * as fs from 'fs';
import * as path from 'path';
import { AivmError } from '../errors';
import { loadKernel, loadKernelFiles, type Kernel } from '../kernel';
import type { Registry } from '../chain/registry';
import { fetchRegisteredKernel, type KernelFetchLimits } from './fetch';

export class KernelSource {
  private readonly kernels = new Map<string, Kernel>();
  private localIndex: Map<string, string> | undefined;

  constructor(
    private readonly kernelsDir: string,
    private readonly registry: Registry,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
    private readonly limits?: KernelFetchLimits,
  ) {}

  async get(id: string, requester?: string): Promise<Kernel> {
    const key = id.toLowerCase();
    const cached = this.kernels.get(key);
    if (cached) return cached;
    const local = (await this.scanLocal()).get(key);
    let kernel: Kernel;
    if (local) {
      kernel = await loadKernel(local);
      if (kernel.id !== key) throw new AivmError('E_WRONG_KERNEL', `${kernel.dir} holds kernel ${kernel.id}, not ${id}`);
    } else {
      kernel = await fetchRegisteredKernel(key, await this.registry.kernelEntries(key, 16), this.kernelsDir, {
        prefer: requester, limits: this.limits,
        onTry: (uri, publisher) => this.log('fetching-kernel', { kernelId: key, uri, publisher }),
        onFail: (uri, publisher, error) => this.log('kernel-uri-failed', { kernelId: key, uri, publisher, error }),
      });
    }
    this.kernels.set(key, kernel);
    return kernel;
  }

  /** kernel id -> directory for every kernel under kernelsDir (ids from the manifests; checked again on load). */
  private async scanLocal(): Promise<Map<string, string>> {
    if (this.localIndex) return this.localIndex;
    const index = new Map<string, string>();
    for (const name of fs.existsSync(this.kernelsDir) ? fs.readdirSync(this.kernelsDir) : []) {
      const dir = path.join(this.kernelsDir, name);
      if (!fs.existsSync(path.join(dir, 'aivm.json'))) continue;
      try {
        index.set((await loadKernelFiles(dir)).id, dir);
      } catch (err) {
        this.log('skipped-kernel', { dir, code: (err as AivmError).code, message: (err as Error).message });
      }
    }
    this.localIndex = index;
    return index;
  }
}
