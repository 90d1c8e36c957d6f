import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ExpositionServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A stand-in metrics endpoint on a free loopback port: `render` gets the number of scrapes so
 * far (1 on the first), so counters grow between scrapes as a live process's would.
 */
export async function startExpositionServer(
  path: string,
  render: (scrape: number) => string,
): Promise<ExpositionServer> {
  let scrapes = 0;
  const server = createServer((request, response) => {
    if (request.url?.split("?", 1)[0] !== path) return void response.writeHead(404).end();
    scrapes += 1;
    response.writeHead(200, { "Content-Type": "text/plain" }).end(render(scrapes));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const OUTGOING = "0.0.0.0/4140";
const QUANTILES = ["0", "0.5", "0.9", "0.95", "0.99", "0.999", "0.9999", "1"];

/**
 * What linkerd 1.x's io.l5d.prometheus telemeter serves at /admin/metrics/prometheus: colon names,
 * `rt` plus `client` / `service` / `server` labels joined by ", ", no TYPE lines, stats as
 * _count/_sum/_avg plus quantiles. Every scrape adds 100 requests to `client`, 97 of them good.
 */
export function linkerdExposition(client: string, scrape: number): string {
  const requests = 100 * scrape;
  const success = 97 * scrape;
  const failures = requests - success;
  const labels = (pairs: Record<string, string>) =>
    `{${Object.entries(pairs)
      .map(([k, v]) => `${k}="${v}"`)
      .join(", ")}}`;
  const stat = (name: string, at: Record<string, string>, p95: number) => [
    `${name}_count${labels(at)} ${requests}`,
    `${name}_sum${labels(at)} ${requests * 12}`,
    `${name}_avg${labels(at)} 12.0`,
    ...QUANTILES.map((q) => `${name}${labels({ ...at, quantile: q })} ${Math.round(p95 * Number(q) * 1.2)}`),
  ];
  const rtClient = { rt: "outgoing", client };
  const rtService = { rt: "outgoing", service: "/svc/world" };
  const rtServer = { rt: "outgoing", server: OUTGOING };
  return `${[
    `rt:client:requests${labels(rtClient)} ${requests}`,
    `rt:client:success${labels(rtClient)} ${success}`,
    `rt:client:failures${labels(rtClient)} ${failures}`,
    `rt:client:status:2XX${labels(rtClient)} ${success}`,
    `rt:client:status:4XX${labels(rtClient)} ${scrape}`,
    `rt:client:status:5XX${labels(rtClient)} ${failures - scrape}`,
    ...stat("rt:client:request_latency_ms", rtClient, 40),
    `rt:client:service:requests${labels({ ...rtClient, service: "/svc/world" })} ${requests}`,
    `rt:service:requests${labels(rtService)} ${requests}`,
    `rt:service:success${labels(rtService)} ${success}`,
    `rt:server:requests${labels(rtServer)} ${requests}`,
    `rt:server:success${labels(rtServer)} ${success}`,
    `rt:server:status:5XX${labels(rtServer)} ${failures}`,
    `rt:server:connections${labels(rtServer)} 4.0`,
    ...stat("rt:server:request_latency_ms", rtServer, 45),
    `jvm:uptime ${scrape * 1000}`,
    "jvm:num_cpus 2.0",
    "jvm:heap:used 1.2582912E8",
    "jvm:heap:max 2.68435456E8",
    `jvm:gc:cycles ${scrape * 3}`,
    `jvm:gc:msec ${scrape * 20}`,
    "jvm:thread:count 42.0",
    "jvm:fd_count 120.0",
  ].join("\n")}\n`;
}
