/**
 * Hostile and careless input, as a user meets it: the real CLI in a child process. Every refusal
 * exits 2 with exactly one stderr line and no stack, leaves every file of the case folder as it was
 * (inputs keep their sha256) and leaves nothing behind. Items 1-9 of issue 10, one `describe` each;
 * items 10-12 (a self-contained clone) are in test/self-contained.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFloatRunner } from '../compiler/src/eval/evaluate.js';
import { argmax } from '../compiler/src/eval/fidelity.js';
import { packModel, unpackModel } from '../compiler/src/pack/index.js';
import type { OptimizeReport } from '../compiler/src/pipeline/report.js';
import { fixturePath, readFixture, REPO_ROOT } from '../compiler/src/testing/fixtures.js';
import { syntheticConvChain } from '../compiler/src/testing/synthetic-convnet.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { prng } from '../compiler/src/util/prng.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from source; `uid` runs it as another user (the suite runs as root in CI, where nothing is unwritable). */
function cli(args: string[], options: { uid?: number; timeout?: number } = {}): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'compiler/src/cli/run.ts'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid, env: { ...process.env, HOME: tmpdir() } } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NOBODY = 65534;

/** Whether `uid` can read the CLI's source, i.e. reach the repository through every parent folder. */
function reachableBy(uid: number): boolean {
  const entry = join(REPO_ROOT, 'compiler/src/cli/run.ts');
  return spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(entry)}, require('node:fs').constants.R_OK)`], { uid, gid: uid }).status === 0;
}

/** Every file under `dir` (hidden ones included) → sha256: what "unchanged, nothing left behind" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) out[relative(dir, p)] = 'symlink';
      else if (e.isDirectory()) {
        out[`${relative(dir, p)}/`] = 'dir';
        walk(p);
      } else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Runs a case that must be refused: exit 2, one stderr line matching `line`, no stack, the folder untouched. */
function expectRefused(caseDir: string, args: string[], line: RegExp, options: { uid?: number } = {}): Run {
  const before = snapshot(caseDir);
  const r = cli(args, options);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mlshrink: /);
  expect(lines[0]).toMatch(line);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(snapshot(caseDir)).toEqual(before);
  return r;
}

const root = mkdtempSync(join(tmpdir(), 'mlshrink-bad-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh folder per case, so each snapshot sees only its own files. */
function caseDir(): string {
  const d = join(root, `case-${n++}`);
  mkdirSync(d);
  return d;
}

const f32 = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const HELLO = fixturePath('tflm/hello_world_float.tflite');

/** hello_world's input is one float: a few .f32 samples calibrate it. */
function sineData(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 8; i++) writeFileSync(join(dir, `x${i}.f32`), f32(Float32Array.of((i * 2 * Math.PI) / 8)));
  return dir;
}

function grayPng(value: number, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  png.data.fill(value);
  return PNG.sync.write(png);
}

// A 10-class 28x28 classifier and labeled CSV eval data whose labels are its own predictions (accuracy 100 %).
const classifierDir = join(root, 'classifier');
const classifier = join(classifierDir, 'chain.tflite');
const evalCsv = join(classifierDir, 'eval.csv');
beforeAll(async () => {
  mkdirSync(classifierDir);
  const model = syntheticConvChain();
  const bytes = writeModel(model);
  writeFileSync(classifier, bytes);
  const runner = await openFloatRunner({ bytes, model });
  const rand = prng(7);
  const lines = ['label,' + Array.from({ length: 784 }, (_, i) => `p${i}`).join(',')];
  for (let i = 0; i < 30; i++) {
    const pixels = Array.from({ length: 784 }, () => Math.floor(rand() * 256));
    const [y] = await runner.run(Float32Array.from(pixels, (p) => p / 255));
    lines.push(`${argmax(y!)},${pixels.join(',')}`);
  }
  runner.dispose();
  writeFileSync(evalCsv, `${lines.join('\n')}\n`);
});

describe('1. -o that reaches the input through a symlink or a hard link', () => {
  it('a symlinked -o folder that is the input folder is refused before anything is written', () => {
    const d = caseDir();
    mkdirSync(join(d, 'in'));
    copyFileSync(HELLO, join(d, 'in/m.tflite'));
    symlinkSync(join(d, 'in'), join(d, 'inlink'));
    expectRefused(d, ['optimize', join(d, 'in/m.tflite'), '-o', join(d, 'inlink'), '--quantize', 'dynamic', '--prune', '0.5', '--pack', 'none'], /m\.tflite: output .*inlink\/m\.tflite would overwrite the input file/);
  });

  it('an output name that is a hard link to the input is refused (device + inode)', () => {
    const d = caseDir();
    copyFileSync(HELLO, join(d, 'm.tflite'));
    mkdirSync(join(d, 'out'));
    linkSync(join(d, 'm.tflite'), join(d, 'out/m.tflite'));
    expectRefused(d, ['optimize', join(d, 'm.tflite'), '-o', join(d, 'out'), '--quantize', 'dynamic', '--pack', 'none'], /would overwrite the input file/);
  });

  it('a missed budget removes nothing: an older model in -o stays, only this run\'s report is added', () => {
    const d = caseDir();
    mkdirSync(join(d, 'out'));
    writeFileSync(join(d, 'out/chain.tflite.mlshrink'), 'from an earlier run');
    const before = snapshot(d);
    const r = cli(['optimize', classifier, '-o', join(d, 'out'), '--prune', '0.95', '--quantize', 'none', '--eval', evalCsv, '--max-accuracy-drop', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/chain\.tflite: accuracy drop .* exceeds the budget.*; the chain\.tflite\.mlshrink there is not from this run$/m);
    const after = snapshot(d);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), 'out/chain.report.json', 'out/chain.report.html'].sort());
    expect(after['out/chain.tflite.mlshrink']).toBe(before['out/chain.tflite.mlshrink']);
  });
});

describe('2. unpack never overwrites without --force, and never its input', () => {
  const original = readFixture('tflm/hello_world_int8.tflite');

  it('refuses to replace an existing model beside the packed file', () => {
    const d = caseDir();
    writeFileSync(join(d, 'm.tflite.mlshrink'), packModel(original));
    copyFileSync(HELLO, join(d, 'm.tflite')); // the user's float model
    expectRefused(d, ['unpack', join(d, 'm.tflite.mlshrink')], /m\.tflite: already exists; add --force to replace it/);
  });

  it('refuses -o naming its own input, even with --force', () => {
    const d = caseDir();
    writeFileSync(join(d, 'x.mlshrink'), packModel(original));
    expectRefused(d, ['unpack', join(d, 'x.mlshrink'), '-o', join(d, 'x.mlshrink'), '--force'], /x\.mlshrink: output .* would overwrite the input file/);
    symlinkSync(join(d, 'x.mlshrink'), join(d, 'alias.tflite'));
    expectRefused(d, ['unpack', join(d, 'x.mlshrink'), '-o', join(d, 'alias.tflite'), '--force'], /would overwrite the input file/);
  });

  it('with --force replaces another file with the exact original bytes, leaving no temporary file', () => {
    const d = caseDir();
    writeFileSync(join(d, 'm.tflite.mlshrink'), packModel(original));
    writeFileSync(join(d, 'm.tflite'), 'old');
    const r = cli(['unpack', join(d, 'm.tflite.mlshrink'), '--force']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Buffer.from(readFileSync(join(d, 'm.tflite'))).equals(Buffer.from(original))).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['m.tflite', 'm.tflite.mlshrink']);
  });
});

describe('3. argument errors stop the command before its handler runs', () => {
  it('optimize with an unknown flag writes nothing', () => {
    const d = caseDir();
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'out'), '--quantize', 'dynamic', '--frobnicate'], /Unknown argument: frobnicate/);
  });

  it('inspect with an unknown flag prints no inspection', () => {
    const r = expectRefused(caseDir(), ['inspect', HELLO, '--bogus'], /Unknown argument: bogus/);
    expect(r.stdout).toBe('');
  });

  it('missing required arguments are named', () => {
    expectRefused(caseDir(), ['unpack'], /Not enough non-option arguments/);
    expectRefused(caseDir(), ['inspect'], /Not enough non-option arguments/);
    expectRefused(caseDir(), ['optimize', HELLO], /Missing required argument: out/);
  });
});

describe('4. output location problems are found before any work', () => {
  it('-o naming an existing file', () => {
    const d = caseDir();
    writeFileSync(join(d, 'taken'), 'user data');
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'taken'), '--quantize', 'dynamic'], /taken: is a file; -o names the output folder/);
  });

  it('-o under /proc, /sys or /dev (Node\'s recursive mkdir loops forever in /proc)', () => {
    for (const p of ['/proc/foo', '/sys/foo/bar', '/dev/mlshrink-out']) {
      expectRefused(caseDir(), ['optimize', HELLO, '-o', p, '--quantize', 'dynamic'], new RegExp(`${p}: is under /(proc|sys|dev), a special file system`));
    }
  });

  it('-o in a folder the user cannot write (run as an unprivileged user)', (ctx) => {
    // A clone inside a private folder (mktemp -d makes 0700 ones) is out of that user's reach; its
    // parents are the user's to set, not this test's.
    if (!reachableBy(NOBODY)) ctx.skip(`${REPO_ROOT} is not readable by uid ${NOBODY}`);
    const d = caseDir();
    chmodSync(root, 0o755);
    chmodSync(d, 0o755);
    copyFileSync(HELLO, join(d, 'm.tflite'));
    chmodSync(join(d, 'm.tflite'), 0o644);
    mkdirSync(join(d, 'ro'), { mode: 0o555 });
    chmodSync(join(d, 'ro'), 0o555);
    expectRefused(d, ['optimize', join(d, 'm.tflite'), '-o', join(d, 'ro/out'), '--quantize', 'dynamic'], /ro\/out: cannot create it: .*ro is not writable/, { uid: NOBODY });
  });
});

describe('5. calibration data with no usable samples', () => {
  it.each([
    ['a CSV holding "hello"', (d: string) => (writeFileSync(join(d, 'cal.csv'), 'hello\n'), join(d, 'cal.csv'))],
    ['an empty CSV', (d: string) => (writeFileSync(join(d, 'cal.csv'), ''), join(d, 'cal.csv'))],
    ['a folder of notes, a bad CSV and a random PNG', (d: string) => {
      const c = join(d, 'cal');
      mkdirSync(c);
      writeFileSync(join(c, 'notes.txt'), 'calibration images go here');
      writeFileSync(join(c, 'bad.csv'), 'hello\n');
      writeFileSync(join(c, 'random.png'), Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) & 255)));
      return c;
    }],
  ])('%s → exit 2 naming the data', (_, make) => {
    const d = caseDir();
    const cal = make(d);
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'out'), '--calibration', cal], /: no usable calibration samples/);
  });

  it('a missing calibration path is called calibration data', () => {
    const d = caseDir();
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'out'), '--calibration', join(d, 'nope')], /nope: calibration data not found/);
  });
});

describe('6. evaluation data cannot bypass the accuracy budget', () => {
  const sample = (d: string, folder: string): void => {
    mkdirSync(join(d, 'eval', folder), { recursive: true });
    writeFileSync(join(d, 'eval', folder, 'a.png'), grayPng(128, 28));
  };

  it('a CSV with no samples', () => {
    const d = caseDir();
    writeFileSync(join(d, 'eval.csv'), 'label,p0,p1\n');
    expectRefused(d, ['optimize', classifier, '-o', join(d, 'out'), '--quantize', 'none', '--eval', join(d, 'eval.csv')], /eval\.csv: no usable evaluation samples/);
  });

  it('a label folder outside the model\'s classes', () => {
    const d = caseDir();
    sample(d, '0_zero');
    sample(d, '99_x');
    expectRefused(d, ['optimize', classifier, '-o', join(d, 'out'), '--quantize', 'none', '--eval', join(d, 'eval')], /eval: label 99 is outside the model's 10 classes \(0\.\.9\)/);
  });

  it('class folders not named <int>_name need an explicit --metric agreement', () => {
    const d = caseDir();
    sample(d, 'shirts');
    expectRefused(d, ['optimize', classifier, '-o', join(d, 'out'), '--quantize', 'none', '--eval', join(d, 'eval')], /shirts\/a\.png is in folder "shirts", not a class folder .*--metric agreement/);
    const r = cli(['optimize', classifier, '-o', join(d, 'out'), '--quantize', 'none', '--pack', 'none', '--eval', join(d, 'eval'), '--metric', 'agreement']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(d, 'out/chain.report.json'), 'utf8')) as OptimizeReport;
    expect(report.budget.metric).toBe('top1-agreement');
  });

  it('samples that do not fit the model input', () => {
    const d = caseDir();
    mkdirSync(join(d, 'eval/0_a'), { recursive: true });
    writeFileSync(join(d, 'eval/0_a/x.f32'), f32(new Float32Array(5)));
    expectRefused(d, ['optimize', classifier, '-o', join(d, 'out'), '--quantize', 'none', '--eval', join(d, 'eval')], /x\.f32: raw float32 file has 20 bytes, input \[1,28,28,1\] needs 3136/);
  });
});

describe('7. a model LiteRT crashes on, a shape read from weight data', () => {
  // Pinned fixture bytes (sha256 in test/fixtures/SOURCES.md), so these flips are the same corruption every run.
  const flipped = (at: number, bit: number): Uint8Array => {
    const b = readFixture('tflm/hello_world_float.tflite');
    b[at]! ^= bit;
    return b;
  };

  // The same flipped byte traps ("memory access out of bounds") or makes LiteRT's run fail with its own
  // error, depending on the wasm heap layout, which moves with the length of the temporary path.
  it('a wasm trap or run failure in LiteRT during calibration is "LiteRT could not run <file>: <reason>"', () => {
    const d = caseDir();
    writeFileSync(join(d, 'trap.tflite'), flipped(1948, 0x80));
    const cal = sineData(join(d, 'cal'));
    expectRefused(d, ['optimize', join(d, 'trap.tflite'), '-o', join(d, 'out'), '--calibration', cal], /^mlshrink: LiteRT could not run .*trap\.tflite: .*(memory access out of bounds|LiteRT run failed: .+)$/);
  });

  it('a shape pointing into weight data is refused in one short line by inspect and optimize', () => {
    const d = caseDir();
    writeFileSync(join(d, 'shape.tflite'), flipped(2192, 0x04));
    const r = expectRefused(d, ['inspect', join(d, 'shape.tflite')], /shape\.tflite: not a valid TFLite model: .*\[2,1,1,-758,16777216,20,28,28,… 48 dims\] has a negative dimension/);
    expect(r.stdout).toBe('');
    expect(r.stderr.length).toBeLessThan(300);
    const o = expectRefused(d, ['optimize', join(d, 'shape.tflite'), '-o', join(d, 'out'), '--quantize', 'dynamic'], /shape\.tflite: not a valid \.tflite model: \[shape-bound\]/);
    expect(o.stderr.length).toBeLessThan(300);
  });
});

describe('8. unpack --max-size', () => {
  it.each(['0.3', 'abc', '-5', '0'])('--max-size %s is refused before decoding', (value) => {
    const d = caseDir();
    writeFileSync(join(d, 'm.tflite.mlshrink'), packModel(readFixture('tflm/hello_world_int8.tflite')));
    expectRefused(d, ['unpack', join(d, 'm.tflite.mlshrink'), '--max-size', value], new RegExp(`--max-size: expected a positive integer, got "${value}"`));
  });

  it('a limit below the decoded size is a clear refusal, a sufficient one decodes', () => {
    const d = caseDir();
    const big = readFixture('mediapipe/hand_landmark_lite.tflite'); // 2.0 MB
    writeFileSync(join(d, 'h.tflite.mlshrink'), packModel(big));
    expectRefused(d, ['unpack', join(d, 'h.tflite.mlshrink'), '--max-size', '1'], /h\.tflite\.mlshrink: corrupt packed model: .*/);
    expect(cli(['unpack', join(d, 'h.tflite.mlshrink'), '--max-size', '3']).code).toBe(0);
    expect(Buffer.from(unpackModel(readFileSync(join(d, 'h.tflite.mlshrink')))).equals(Buffer.from(readFileSync(join(d, 'h.tflite'))))).toBe(true);
  });
});

describe('9. clean messages: numbers, --version, one spelling, no command', () => {
  it('a non-numeric --cluster quotes what was given', () => {
    const d = caseDir();
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'out'), '--cluster', 'abc'], /--cluster: expected an integer, got "abc"/);
  });

  it('--time-budget: a bad duration names the option; without --auto it is refused before any work', () => {
    const d = caseDir();
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'out'), '--auto', '--time-budget', '10 parsecs'], /--time-budget: expected a positive duration: seconds \(600\) or with units \(90s, 10m, 1h, 1h30m\), got "10 parsecs"/);
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'out'), '--auto', '--time-budget', '0'], /--time-budget: expected a positive duration.*got "0"/);
    expectRefused(d, ['optimize', HELLO, '-o', join(d, 'out'), '--quantize', 'int8', '--time-budget', '10m'], /hello_world_float\.tflite: --time-budget \(timeBudget\) only applies to --auto/);
  });

  it('--version prints the package version', () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'compiler/package.json'), 'utf8')).version);
  });

  it('--normalize is the spelling of every command; --normalise stays a hidden alias', () => {
    for (const command of ['optimize', 'distill']) {
      const help = cli([command, '--help']).stdout;
      expect(help).toMatch(/--normalize/);
      expect(help).not.toMatch(/--normalise/);
    }
    const d = caseDir();
    const r = cli(['optimize', fixturePath('tflm/hello_world_int8.tflite'), '-o', join(d, 'out'), '--normalise', '[-1,1]']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectRefused(caseDir(), ['distill', '--teacher', HELLO, '--student', 'mobilenetv2', '--data', 'x', '-o', join(d, 's.tflite'), '--normalize', 'bogus'], /--normalize: expected/);
  });

  it('no command names the commands', () => {
    const r = expectRefused(caseDir(), [], /./);
    expect(r.stderr).toBe('mlshrink: no command given; commands: inspect, unpack, optimize, assets, distill, report (see mlshrink --help)\n');
  });
});

describe('optimize <dir> with a bad model among good ones', () => {
  it('processes every model, prints a line per model and a summary, and fails naming the bad one', () => {
    const d = caseDir();
    mkdirSync(join(d, 'models'));
    copyFileSync(fixturePath('tflm/hello_world_int8.tflite'), join(d, 'models/a.tflite'));
    writeFileSync(join(d, 'models/b.tflite'), grayPng(0, 4)); // a PNG named .tflite
    copyFileSync(fixturePath('tflm/hello_world_int8.tflite'), join(d, 'models/c.tflite'));
    const r = cli(['optimize', join(d, 'models'), '-o', join(d, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mlshrink: 1 of 3 models failed: .*b\.tflite: not a valid \.tflite model.*\n$/);
    expect(r.stdout).toMatch(/ok: .*a\.tflite/);
    expect(r.stdout).toMatch(/FAILED: .*b\.tflite/);
    expect(r.stdout).toMatch(/ok: .*c\.tflite/);
    expect(r.stdout).toMatch(/3 models: 2 optimized, 1 failed/);
    expect(readdirSync(join(d, 'out')).sort()).toEqual(['a.report.html', 'a.report.json', 'a.tflite.mlshrink', 'c.report.html', 'c.report.json', 'c.tflite.mlshrink']);
  });
});
