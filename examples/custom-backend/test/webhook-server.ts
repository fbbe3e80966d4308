import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP endpoint on a spare loopback port that records what it receives. */
export async function startWebhookServer() {
  const received: { headers: Record<string, string | string[] | undefined>; body: Record<string, string> }[] =
    [];
  let status = (_body: Record<string, string>) => 200;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST') {
        response.writeHead(204).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
      const code = status(body);
      if (code < 300) received.push({ headers: request.headers, body });
      // Errors carry a body, as real endpoints do: the backend must pass its words on.
      response
        .writeHead(code)
        .end(code >= 400 ? JSON.stringify({ error: `test endpoint says ${code}` }) : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    respondWith(next: (body: Record<string, string>) => number) {
      status = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
