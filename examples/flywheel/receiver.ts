/**
 * A webhook receiver on 127.0.0.1, as the release channel of the flywheel would run one: it
 * checks each POST's `X-Trainyard-Signature` (HMAC-SHA256 of the exact body with the shared
 * secret, src/automations/webhook.ts), answers 204 when it holds and 401 when not, and keeps
 * what it got.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

export interface Delivery {
  readonly at: number;
  readonly signatureValid: boolean;
  /** The parsed body: {rule, event, firedAt, firingId}. */
  readonly body: { readonly rule: string; readonly event: { readonly id: number; readonly type: string; readonly data: Record<string, unknown> } } | null;
}

export interface Receiver {
  readonly url: string;
  readonly deliveries: readonly Delivery[];
  close(): Promise<void>;
}

/** Whether `header` is `sha256=<hex>` of the HMAC-SHA256 of `body` with `secret`. */
export function signatureHolds(header: string | undefined, body: Buffer, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startReceiver(secret: string, onDelivery: (delivery: Delivery) => void = () => {}): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const signatureValid = signatureHolds(request.headers['x-trainyard-signature'] as string | undefined, body, secret);
      let parsed: Delivery['body'] = null;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        // Kept as null: not what Trainyard sends.
      }
      const delivery = { at: Date.now(), signatureValid, body: parsed };
      deliveries.push(delivery);
      onDelivery(delivery);
      response.writeHead(signatureValid ? 204 : 401).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/flywheel`,
    deliveries,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
