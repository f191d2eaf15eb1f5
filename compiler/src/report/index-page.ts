/** The per-variant index the Gradle task writes: one row per model, linking its page. */
import type { OptimizeReport } from '../pipeline/report.js';
import { esc } from './escape.js';
import { change, int, pts } from './format.js';
import { htmlDocument } from './layout.js';

export interface IndexEntry {
  /** Model path relative to the assets directory. */
  asset: string;
  /** The model page, relative to the index file (posix separators). */
  href: string;
  report: OptimizeReport;
}

export function renderIndexPage(title: string, entries: IndexEntry[]): string {
  const rows = entries
    .map(({ asset, href, report: r }) => {
      const after = r.after.packedBytes ?? r.after.bytes;
      const verdict = r.budget.metric === 'not-measured' ? 'not measured' : r.budget.met ? 'met' : 'NOT met';
      const href_ = href.split('/').map(encodeURIComponent).join('/');
      return `<tr><td class="t"><a href="${esc(href_)}">${esc(asset)}</a></td><td>${int(r.before.bytes)}</td><td>${int(after)}</td><td>${esc(change(r.before.bytes, after))}</td><td>${r.accuracyDrop === undefined ? '' : esc(pts(r.accuracyDrop))}</td><td class="t">${esc(verdict)}</td></tr>`;
    })
    .join('\n');
  const body = `<h1>${esc(title)}</h1><p class="sub">${entries.length} model(s); each name opens its page.</p>
<table data-table="models"><thead><tr><th class="t">model</th><th>original bytes</th><th>shipped bytes</th><th>change</th><th>accuracy drop</th><th class="t">budget</th></tr></thead><tbody>
${rows}
</tbody></table>`;
  return htmlDocument(title, body);
}
