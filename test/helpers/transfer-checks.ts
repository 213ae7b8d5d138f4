// What the file-transfer tests check on every protocol: payloads that show any byte mangling,
// the typed failure of an upload, and the client sockets left open in this process.
import { expect } from 'vitest';
import { FileTransferError } from '../../src/services/file-transfer/index.ts';

/** A recording-sized payload with every byte value, so a text-mode transfer would show. */
export function payload(size = 300_000, step = 7): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * step + (i >> 8)) & 0xff;
  return data;
}

/** The FileTransferError a promise rejects with (the test fails if it resolves or throws else). */
export async function failure(promise: Promise<unknown>): Promise<FileTransferError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileTransferError);
  return err as FileTransferError;
}

/** Client-side TCP and TLS sockets still open in this process (the servers are child processes). */
export function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;
}
