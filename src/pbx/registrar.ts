// Registrar (RFC 3261 §10.3). Placeholder signature; the implementation lands with the
// registrar work.
import { createResponse, type Flow, type ServerTransaction, type SipRequest } from '../sip/index.ts';
import type { LineAuthenticator } from './line-auth.ts';
import type { LocationService } from './location.ts';

export interface RegistrarOptions {
  auth: LineAuthenticator;
  location: LocationService;
  minExpires: number;
  maxExpires: number;
}

export class Registrar {
  constructor(private readonly options: RegistrarOptions) {}
  async handle(request: SipRequest, tx: ServerTransaction, _flow: Flow): Promise<void> {
    tx.respond(createResponse(request, 501));
  }
}
