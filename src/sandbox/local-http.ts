import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A local HTTP server a test talks to; what it speaks is up to its request handler. */
export interface LocalHttpServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface LocalAddress {
  /** Default 127.0.0.1. */
  readonly host?: string | undefined;
  /** Default 0: a free port. */
  readonly port?: number | undefined;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Listens on a loopback port; a handler that throws has its connection destroyed. */
export async function startLocalHttp(
  serve: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  address: LocalAddress = {},
): Promise<LocalHttpServer> {
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // Only writing to a socket the client already dropped, or an oversized body, can fail here.
      response.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port ?? 0, address.host ?? "127.0.0.1", () => resolve());
  });
  const { address: host, port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** The request body; over 10 MiB drops the connection. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      request.socket.destroy();
      throw new Error("request body too large");
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
