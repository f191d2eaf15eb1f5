/**
 * The priming dictionary of the shared stream (docs/format.md "Primed shared streams"). Small models are
 * mostly flatbuffer structure and names, and a Brotli stream of a 1-2 KB file spends a good part of its
 * bytes spelling out names that every converted model has ("min_runtime_version", "serving_default",
 * TensorFlow op suffixes). A primed stream is the continuation of a fixed Brotli stream that decodes to
 * these words, so it can copy them from the window instead. Brotli itself has a static dictionary, but
 * of web text; custom dictionaries are not in Node's zlib API nor in org.brotli:dec, hence the prefix.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { brotliDecompressSync } from 'node:zlib';

/** Format constants: changing a word changes the format. Joined with NUL bytes. */
export const PRIMING_WORDS: readonly string[] = [
  'TFL3', 'min_runtime_version', 'CONVERSION_METADATA', 'serving_default', 'serving_default_input_1:0',
  'StatefulPartitionedCall:0', 'PartitionedCall:0', 'MLIR Converted.', 'TOCO Converted.',
  'sequential/', 'model/', 'functional_1/', '/MatMul', '/BiasAdd', '/BiasAdd/ReadVariableOp', '/ReadVariableOp', '/Relu', '/Relu6',
  '/Conv2D', '/depthwise', '/FusedBatchNormV3', '/MaxPool', '/AvgPool', '/Mean', '/Reshape', '/Softmax', '/Sigmoid', '/Tanh',
  '/add', '/mul', '/concat', '/transpose', '/strided_slice', '/Shape', '/Pad', '/kernel', '/bias',
  'dense', 'conv2d', 'batch_normalization', 'input_1', 'Identity', '1.5.0', '1.14.0', '2.3.0', '2.10.0', '2.11.0',
];


export const PRIMING_DICTIONARY: Uint8Array = new TextEncoder().encode(PRIMING_WORDS.join('\0'));

/** Window bits of primed streams: fixed, since the prefix's stream header holds them. */
export const PRIMED_WINDOW_BITS = 18;

/**
 * The Brotli stream prefix that decodes to PRIMING_DICTIONARY: Node 20's Brotli 1.1.0 at quality 11,
 * window 18, after a flush (which ends it at a byte boundary, mid-stream). A format constant.
 */
export const PRIMED_PREFIX: Uint8Array = Uint8Array.from(Buffer.from(
  'g/8AIIzEOBbxhaIIg8y02Zad8tiHsdXI5iMGnW5SlS5w84HToW48l3/p3FNZH/OAAouHgbQ7Q0sKzySGLddC2X1tTj/JY8FNX5QFbv2E5wwD+bx+zVdzAZwSuOlZ' +
  'xzHJkr++UTkauz67SdMJfc+apWRZ5YWUnk/7x2cZfOB1XV4tdZ7+qIuSEeb4QhCev/hrQGfpzn0GWkRp58bgDT2sGBWud9cKRs/6bPyDqIbfK5CID8fYWtBm' +
  'afcW0ulwKZv880PNn25lCdZ88Hh+tlIgYpyDDfhZui6XCRB9XkZz8JIigMR4Nh/oF10WWjrQBQYoqZO2a6KxhvcNC/TsbXsTA0ptU9gfIBWlhbFFa6GDYaCG' +
  'pnABoki+ACaI0Sbr4YuHCKSH+Wb1CkbRAA==',
  'base64',
));

/**
 * Node's Brotli encoder can continue a stream after a flush only through its streaming API, which is
 * asynchronous; packModel is synchronous. So a worker thread runs it while this thread waits on a
 * shared flag (Atomics.wait), and the result comes back through a message port read synchronously.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const zlib = require('node:zlib');
const { port, flag, dictionary, data, windowBits } = workerData;
const done = (msg) => { port.postMessage(msg); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
try {
  const enc = zlib.createBrotliCompress({ params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: windowBits,
  } });
  const chunks = [];
  enc.on('data', (c) => chunks.push(c));
  enc.on('error', (e) => done({ error: String(e) }));
  enc.write(dictionary);
  enc.flush(zlib.constants.BROTLI_OPERATION_FLUSH, () => {
    const prefix = Buffer.concat(chunks);
    chunks.length = 0;
    enc.on('end', () => done({ prefix, rest: Buffer.concat(chunks) }));
    enc.end(data);
  });
} catch (e) {
  done({ error: String(e) });
}
`;

/**
 * A worker that has not answered after this long is a bug or a starved machine: fail the run rather than
 * write an unprimed stream, which would make the same input pack to different bytes.
 */
const WORKER_TIMEOUT_MS = 120_000;

/**
 * The continuation of PRIMED_PREFIX that makes the whole stream decode to PRIMING_DICTIONARY ‖ data, or
 * undefined when this Node's Brotli writes a different prefix (another Brotli version: its continuation
 * would not fit our prefix) or the encoder fails. Checked by decoding, so a primed stream is never wrong.
 */
export function encodeBrotliPrimed(data: Uint8Array): Uint8Array | undefined {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, flag, dictionary: PRIMING_DICTIONARY, data, windowBits: PRIMED_WINDOW_BITS },
    transferList: [port2],
  });
  try {
    if (Atomics.wait(flag, 0, 0, WORKER_TIMEOUT_MS) === 'timed-out') throw new Error(`the Brotli priming worker did not answer within ${WORKER_TIMEOUT_MS / 1000} s`);
    const msg = receiveMessageOnPort(port1)?.message as { prefix?: Uint8Array; rest?: Uint8Array } | undefined;
    if (!msg?.prefix || !msg.rest || !Buffer.from(msg.prefix).equals(Buffer.from(PRIMED_PREFIX))) return undefined;
    const rest = new Uint8Array(msg.rest);
    const decoded = brotliDecompressSync(Buffer.concat([PRIMED_PREFIX, rest]));
    const expected = Buffer.concat([PRIMING_DICTIONARY, data]);
    return decoded.equals(expected) ? rest : undefined;
  } finally {
    port1.close();
    void worker.terminate();
  }
}

/** For decoders: the full stream of a primed shared stream data[start, end). */
export function primedStream(data: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(PRIMED_PREFIX.length + end - start);
  out.set(PRIMED_PREFIX, 0);
  out.set(data.subarray(start, end), PRIMED_PREFIX.length);
  return out;
}

