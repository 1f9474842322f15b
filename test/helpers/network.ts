// Small helpers shared by the network tests.
import * as net from 'net';
import { expect } from 'vitest';
import { AivmError } from '../../lib/errors';

/** The AivmError code and message `fn` throws (fails the test if it throws anything else, or nothing). */
export function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AivmError);
    return { code: (err as AivmError).code, message: (err as AivmError).message };
  }
  throw new Error('expected a rejection');
}

/** A local port nothing listens on (connection refused). */
export function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
