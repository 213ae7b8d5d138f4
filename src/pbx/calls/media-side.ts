// One anchored RTP endpoint of a call and the SDP we speak for it: our session id, a
// version that grows with every new description (RFC 3264 §8), and the codec in use.
import {
  type AllocatedEndpoint,
  type AudioCodec,
  applyAnswer,
  createAnswer,
  createOffer,
  type Direction,
  type MediaEngine,
  type NegotiatedAudio,
  parseSdp,
  type SessionDescription,
  serializeSdp,
} from '../../media/index.ts';

export class MediaSide {
  readonly #sessionId = String(Math.floor(Math.random() * 1e12));
  #version = 0;
  negotiated: NegotiatedAudio | undefined;
  /** Our last offer, waiting for its answer. */
  #offer: SessionDescription | undefined;
  /** The description we last sent (offer or answer), for a re-INVITE without SDP. */
  lastSent: string | undefined;

  constructor(
    private readonly media: MediaEngine,
    readonly endpoint: AllocatedEndpoint,
  ) {}

  get id(): string {
    return this.endpoint.id;
  }

  private local(codecs: readonly AudioCodec[] | undefined, direction: Direction) {
    return {
      address: this.endpoint.address,
      port: this.endpoint.port,
      direction,
      sessionId: this.#sessionId,
      sessionVersion: ++this.#version,
      ...(codecs ? { codecs } : {}),
    };
  }

  /** Answers a peer's offer and configures the endpoint (throws MediaError SDP_NO_COMMON_CODEC). */
  async answer(
    offerSdp: string,
    direction: Direction = 'sendrecv',
    codecs?: readonly AudioCodec[],
  ): Promise<string> {
    const { answer, negotiated } = createAnswer(parseSdp(offerSdp), this.local(codecs, direction));
    await this.media.configureEndpoint(this.id, negotiated);
    this.negotiated = negotiated;
    this.lastSent = serializeSdp(answer);
    return this.lastSent;
  }

  /** Our offer; the endpoint is configured when the answer comes. */
  offer(direction: Direction = 'sendrecv', codecs?: readonly AudioCodec[]): string {
    this.#offer = createOffer(this.local(codecs, direction));
    this.lastSent = serializeSdp(this.#offer);
    return this.lastSent;
  }

  async applyAnswer(answerSdp: string): Promise<void> {
    if (!this.#offer) throw new Error('no offer outstanding');
    const negotiated = applyAnswer(this.#offer, parseSdp(answerSdp));
    await this.media.configureEndpoint(this.id, negotiated);
    this.negotiated = negotiated;
  }
}
