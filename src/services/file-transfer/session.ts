// What an upload needs from a protocol, so FTP(S) and SFTP share one sequence (connect, enter
// the directory, write a temporary file, rename it) and one timeout and clean-up path.
import type { RemoteDirectory } from './target.ts';

export interface RemoteSession {
  /** Connects and logs in. Throws FileTransferError 'connect', 'auth' or 'timeout'. */
  open(): Promise<void>;
  /** Creates the directory if missing and makes it the place later names refer to. */
  enterDirectory(directory: RemoteDirectory): Promise<void>;
  /** Writes a whole file (replacing one of the same name). Throws 'write'. */
  write(name: string, data: Buffer): Promise<void>;
  /** Renames a file of the directory, replacing a file that has the new name. Throws 'write'. */
  replace(from: string, to: string): Promise<void>;
  remove(name: string): Promise<void>;
  /**
   * Ends the connection and resolves once every socket it used is closed. Safe to call at
   * any time and more than once; `abrupt` drops the connection without a goodbye (used when
   * a timeout or abort interrupts an operation).
   */
  close(abrupt?: boolean): Promise<void>;
}
