// Kept at this path for the scripts that run it (npm run bench): the seed lives in src/seed.cli.ts.
import '../seed.cli.js';
