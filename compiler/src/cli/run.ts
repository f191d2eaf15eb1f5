/** Runs the CLI from source (`node --import tsx compiler/src/cli/run.ts ...`); bin/mlshrink.js runs the build. */
import { main } from './main.js';
import { exitBetweenStepsOnSignals } from './signals.js';

exitBetweenStepsOnSignals();
process.exitCode = await main(process.argv.slice(2));
