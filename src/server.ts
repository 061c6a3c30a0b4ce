// The monolith's entry point: every feature in one process, in-process ports (app.ts composes it).
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { boot, start } from './start.js';

const booted = await boot(() => loadConfig(), undefined);
start('BookStore', booted, createApp(booted));
