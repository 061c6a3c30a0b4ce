// What the three service entry points (auth.ts, catalog.ts, order.ts) share: boot with the service's
// config and its own tables, the HTTP clients to the others (service tokens, timeouts), the
// /internal guard, and the shell for compose. Each entry point then composes its one unit.
import type { Shell } from '../compose.js';
import type { Feature } from '../db/migrate.js';
import type { ServiceName } from '../http/urls.js';
import { boot, type Booted } from '../start.js';
import { serviceClient, type Call } from './http-client.js';
import { loadServiceConfig, type ServiceConfig } from './service.config.js';
import { requireServiceToken, serviceTokens } from './tokens.js';

const FEATURE: Record<ServiceName, Feature> = { auth: 'accounts', catalog: 'catalog', order: 'orders' };

export interface ServiceBoot extends Booted<ServiceConfig> {
  /** Calls to auth and to catalog, as this service. */
  calls: Record<'auth' | 'catalog', Call>;
  /** compose's shell but for the sessions (auth's own, or auth's over HTTP). */
  shell: Omit<Shell, 'sessions'>;
}

export async function bootService(service: ServiceName): Promise<ServiceBoot> {
  const booted = await boot(() => loadServiceConfig(service), [FEATURE[service]], { service });
  const { config, logger, pool } = booted;
  const token = config.servicePrivateKey ? await serviceTokens(service, config.servicePrivateKey) : () => Promise.reject(new Error('no SERVICE_PRIVATE_KEY'));
  const call = (callee: ServiceName, baseUrl: string) => serviceClient({ service: callee, baseUrl, timeoutMs: config.callTimeoutMs, token });
  const internalGuard = await requireServiceToken(service, config.trustedServiceKeys);
  return {
    ...booted,
    calls: { auth: call('auth', config.authUrl), catalog: call('catalog', config.catalogUrl) },
    shell: { config, logger, pool, urls: config.urls, internalGuard },
  };
}

/** A key loadServiceConfig already required of this service. */
export function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} is required`);
  return value;
}
