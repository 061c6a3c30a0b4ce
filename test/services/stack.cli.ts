// deploy/local/services.sh runs this: the split shop (three services, their databases, the
// Ingress-equivalent nginx with TLS) until SIGTERM, then it stops everything it started.
import { startTopology } from './topology.js';

const port = process.env.NGINX_PORT ? Number(process.env.NGINX_PORT) : undefined;
const topology = await startTopology({ nginxPort: port });
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  void topology.close().then(() => process.exit(0));
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
console.log(`BASE=${topology.base}`);
