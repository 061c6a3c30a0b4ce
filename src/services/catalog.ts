// The catalog service's entry point (see run.ts and services.app.ts).
import { runService } from './run.js';

await runService('catalog');
