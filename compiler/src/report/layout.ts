/**
 * The page shell shared by the model, inspect and index pages: one self-contained HTML file with
 * inline CSS, no script and no external resource, so it opens offline from disk.
 */
import { esc } from './escape.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#24292f;margin:0;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:20px 28px 40px;background:#fff;min-height:100vh}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.sub{color:#57606a;margin:0 0 14px}.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:13px;vertical-align:middle}
.ok{background:#1a7f37}.fail{background:#cf222e}.none{background:#57606a}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:140px}
.card b{display:block;font-size:19px}.card span.l{color:#57606a;font-size:12px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0}th,td{border-bottom:1px solid #eaeef2;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f6f8fa;position:sticky;top:0}td.t,th.t{text-align:left}tr.kf td{background:#fff8e5}
.scroll{max-height:560px;overflow:auto;border:1px solid #d0d7de;border-radius:6px}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;overflow:auto;font-size:12px}
.note{color:#57606a;font-size:12.5px}svg.chart{display:block;max-width:100%;height:auto;margin:6px 0;font-family:system-ui,sans-serif}
ul.warn li{color:#9a6700}`;

export function htmlDocument(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS.trim()}</style></head>
<body><main>
${body}
</main></body></html>
`;
}

/** A number the browser test reads back: `data-json` is its path in the report, `data-value` the raw value. */
export function num(path: string, value: number, shown: string): string {
  return `<span data-json="${esc(path)}" data-value="${value}">${esc(shown)}</span>`;
}
