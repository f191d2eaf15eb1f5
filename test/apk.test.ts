/**
 * APK check for the sample app, with the real Android packaging tools that run here (Debian's
 * aapt2, zipalign, apksigner; see test/apk/build-apk.sh): one signed APK with the original assets,
 * one with the assets as the Gradle plugin's task transforms them (`mlshrink assets` with the config
 * the plugin writes for sample-android-app/build.gradle.kts). Both must pass `apksigner verify`;
 * the packed model inside the release APK must decode and classify the bundled image like the
 * original. No classes.dex: there is no d8 on this machine, and AGP (which would run it) is not reachable.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../compiler/src/cli/main.js';
import { loadFile } from '../compiler/src/eval/inputs.js';
import { loadLiteRt } from '../compiler/src/eval/litert.js';
import { unpackModel } from '../compiler/src/pack/index.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';

const APP = join(REPO_ROOT, 'sample-android-app');
const ASSETS = join(APP, 'src/main/assets');
const MODEL = 'fashion_mnist_cnn.tflite';
const SCRIPT = join(REPO_ROOT, 'test/apk/build-apk.sh');
const hasModel = existsSync(join(ASSETS, MODEL));

const work = mkdtempSync(join(tmpdir(), 'mlshrink-apk-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What MlShrinkAssetsTask writes for the sample's `mlshrink { ... }` block (see CompilerSettings.toJson). */
function pluginConfig(): string {
  return `{
  "models": ["**/*.tflite"],
  "prune": "auto",
  "quantize": "int8",
  "cluster": 16,
  "pack": "huffman",
  "calibration": ${JSON.stringify(join(APP, 'mlshrink/calibration'))},
  "eval": ${JSON.stringify(join(APP, 'mlshrink/eval'))},
  "maxAccuracyDrop": 0.01
}
`;
}

function buildApk(assets: string, name: string): { apk: string; verify: string } {
  const apk = join(work, `${name}.apk`);
  const verify = execFileSync('bash', [SCRIPT, APP, assets, apk, join(work, name)], { encoding: 'utf8' });
  return { apk, verify };
}

function entries(apk: string): string[] {
  return execFileSync('unzip', ['-Z1', apk], { encoding: 'utf8' }).trim().split('\n').sort();
}

async function classify(model: Uint8Array): Promise<number[]> {
  const [input] = loadFile(join(ASSETS, 'samples/ankle_boot.png'), [1, 28, 28, 1], '[0,1]');
  const rt = await loadLiteRt(model);
  try {
    const [out] = await rt.run([input!]);
    return Array.from(out as Float32Array);
  } finally {
    rt.dispose();
  }
}

const argmax = (v: number[]): number => v.indexOf(Math.max(...v));

describe('sample app APKs', () => {
  it.skipIf(!hasModel)('original and mlshrink-transformed assets make signed, verified APKs; the packed model still classifies', async () => {
    const original = buildApk(ASSETS, 'original');
    expect(original.verify).toContain('Verified using v2 scheme (APK Signature Scheme v2): true');

    // The plugin task's step: one `mlshrink assets` call for the whole directory.
    const config = join(work, 'mlshrink-config.json');
    writeFileSync(config, pluginConfig());
    const out = join(work, 'assets-release');
    const reports = join(work, 'reports');
    const log = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await main(['assets', '--in', ASSETS, '--out', out, '--config', config, '--report-dir', reports]);
    } finally {
      log.mockRestore();
    }
    expect(code).toBe(0);
    const release = buildApk(out, 'release');
    expect(release.verify).toContain('Verified using v2 scheme (APK Signature Scheme v2): true');

    const a = entries(original.apk);
    const b = entries(release.apk);
    expect(a).toContain(`assets/${MODEL}`);
    expect(b).toContain(`assets/${MODEL}.mlshrink`);
    expect(b).not.toContain(`assets/${MODEL}`);
    for (const e of [a, b]) {
      expect(e).toContain('assets/samples/ankle_boot.png');
      expect(e).toContain('AndroidManifest.xml');
      expect(e).toContain('resources.arsc');
      expect(e).not.toContain('classes.dex');
    }
    expect(b.some((e) => e.endsWith('.report.json'))).toBe(false);
    const report = JSON.parse(readFileSync(join(reports, MODEL.replace(/\.tflite$/, '.report.json')), 'utf8'));
    expect(report.ok).toBe(true);
    expect(report.accuracyDrop).toBeLessThanOrEqual(0.01);

    const before = statSync(original.apk).size;
    const after = statSync(release.apk).size;
    process.stderr.write(`APK sizes: original assets ${before} bytes, mlshrink release assets ${after} bytes (${((100 * after) / before).toFixed(1)}%)\n`);
    expect(after).toBeLessThan(before / 2);

    // What MlShrink.load does on the phone: decode the packed asset, then run it.
    const packed = execFileSync('unzip', ['-p', release.apk, `assets/${MODEL}.mlshrink`], { maxBuffer: 64 << 20 });
    const decoded = unpackModel(new Uint8Array(packed));
    const originalProbs = await classify(new Uint8Array(readFileSync(join(ASSETS, MODEL))));
    const releaseProbs = await classify(decoded);
    expect(argmax(originalProbs)).toBe(9); // Fashion-MNIST test image 0 is an ankle boot
    expect(argmax(releaseProbs)).toBe(9);
  });

  it('the APK script refuses to run without framework-res.apk', () => {
    expect(() =>
      execFileSync('bash', [SCRIPT, APP, ASSETS, join(work, 'x.apk'), join(work, 'x')], {
        env: { ...process.env, FRAMEWORK_RES: join(work, 'missing.apk') },
        stdio: 'pipe',
      }),
    ).toThrow(/framework-res\.apk not found/);
  });
});
