// `npx cdk synth`: the BookStore stack, environment-agnostic (no account, no lookups).
import { App } from 'aws-cdk-lib';
import { BookStoreStack } from '../lib/bookstore-stack.ts';

const app = new App();
new BookStoreStack(app, 'BookStore', { description: 'BookStore scale-out: ALB, Auto Scaling Group, EFS, MySQL primary/replica behind HAProxy' });
app.synth();
