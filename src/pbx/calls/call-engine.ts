// placeholder, being written
import type { Logger } from 'pino';
import type { MediaEngine, MediaEvent } from '../../media/index.ts';
import type { Flow, ServerTransaction, SipRequest, SipResponse, SipStack } from '../../sip/index.ts';
import type { Directory } from '../directory.ts';
import type { PbxEvents } from '../events.ts';
import type { LineAuthenticator } from '../line-auth.ts';
import type { LocationService } from '../location.ts';
import type { CdrWriter } from './cdr-writer.ts';

export interface CallEngineOptions {
  stack: SipStack;
  media: MediaEngine;
  directory: Directory;
  location: LocationService;
  auth: LineAuthenticator;
  events: PbxEvents;
  cdrs: CdrWriter;
  logger: Logger;
  publicHost: string;
  sessionExpires: number;
  promptPath?: (fileId: string) => Promise<string | undefined>;
}

export class CallEngine {
  constructor(readonly options: CallEngineOptions) {}
  async onRequest(_r: SipRequest, _tx: ServerTransaction, _flow: Flow): Promise<void> {}
  onAck(_ack: SipRequest, _flow: Flow): void {}
  onStrayResponse(_r: SipResponse, _flow: Flow): void {}
  onMediaEvent(_e: MediaEvent): void {}
  async shutdown(): Promise<void> {}
}
