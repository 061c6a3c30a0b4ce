// `npx cdk synth`: the BookStore stack, environment-agnostic (no account, no lookups). The app
// instances run the release tarball CI built: BOOKSTORE_RELEASE, or release/bookstore.tar.gz here
// (scripts/release-tarball.sh writes it).
import { existsSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { BookStoreStack } from '../lib/bookstore-stack.ts';

const releaseTarball = process.env.BOOKSTORE_RELEASE ?? new URL('../release/bookstore.tar.gz', import.meta.url).pathname;
if (!existsSync(releaseTarball)) {
  console.error(`No release tarball at ${releaseTarball}: build it first (scripts/release-tarball.sh), or set BOOKSTORE_RELEASE.`);
  process.exit(1);
}
const app = new App();
new BookStoreStack(app, 'BookStore', { releaseTarball, description: 'BookStore scale-out: ALB, Auto Scaling Group, EFS, MariaDB primary/replica behind HAProxy and an internal NLB' });
app.synth();
