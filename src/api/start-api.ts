import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import type { Service } from '../ops/service.js';
import { createApi } from './api.js';
import type { ApiRowStore } from './api-row-store.js';

export interface StartApiOptions {
  config: Config;
  rowStore: ApiRowStore;
  logger: Logger;
}

/** The running API; `url` is where to reach it from this machine. */
export interface ApiService extends Service {
  readonly url: string;
}

/**
 * Listens on `config.api.host:port` (port 0 picks a free one). `stop()` stops accepting,
 * lets requests in flight finish, and closes; it does not close the row store.
 */
export async function startApi(opts: StartApiOptions): Promise<ApiService> {
  const app = createApi({ rowStore: opts.rowStore, logger: opts.logger });
  await app.listen({ host: opts.config.api.host, port: opts.config.api.port });
  const addr = app.server.address() as AddressInfo;
  const host = ['0.0.0.0', '::', ''].includes(opts.config.api.host)
    ? '127.0.0.1'
    : addr.family === 'IPv6'
      ? `[${addr.address}]`
      : addr.address;
  const url = `http://${host}:${addr.port}`;
  opts.logger.info('api listening', { url });
  let closing: Promise<void> | undefined;
  return {
    name: 'api',
    url,
    stop() {
      closing ??= app.close();
      return closing;
    },
  };
}
