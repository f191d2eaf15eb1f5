#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
import { exitBetweenStepsOnSignals } from '../dist/cli/signals.js';

exitBetweenStepsOnSignals();
process.exitCode = await main(process.argv.slice(2));
