/** `mlshrink report <report.json> [-o page.html]`: regenerates the HTML page from a report (default: beside it, .report.html). */
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { renderModelPage } from '../report/model-page.js';
import { readReport } from '../report/read-report.js';
import { writePage } from '../report/write.js';
import { fileError } from '../errors.js';

interface ReportArgs {
  report: string;
  out?: string;
}

/** `x.report.json` → `x.report.html`; any other name gets `.html` appended. */
export function pagePath(reportPath: string): string {
  return reportPath.replace(/\.json$/i, '') + '.html';
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <report>',
  describe: 'Write the HTML page of an optimize report (<name>.report.json → <name>.report.html)',
  builder: (y) =>
    y
      .positional('report', { type: 'string', demandOption: true, describe: 'a <name>.report.json written by optimize' })
      .option('out', { alias: 'o', type: 'string', describe: 'page to write (default: beside the report, .html)' }),
  handler: (args) => {
    const out = args.out ?? pagePath(args.report);
    if (resolve(out) === resolve(args.report) || /\.json$/i.test(out)) throw fileError(out, 'the page must not overwrite a JSON report; choose an .html path');
    const report = readReport(args.report);
    writePage(out, renderModelPage(report));
    process.stdout.write(`${out}\n`);
  },
};
