// One training step (forward + backward + Adam) of a MobileNetV2-0.35 student versus its forward pass,
// both through the training executor on the tfjs backend in use. Not a test: prints timings and the ratio.
//   node --import tsx bench/train-step.ts [--size 96] [--batch 8] [--iters 5]
import { parseArgs } from 'node:util';
import { initTf, tf } from '../compiler/src/train/backend.js';
import { GraphExecutor } from '../compiler/src/train/executor/executor.js';
import { buildStudent } from '../compiler/src/train/students/index.js';
import { logitsTensor } from '../compiler/src/train/distill.js';
import { crossEntropy } from '../compiler/src/train/distill-loss.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '96' }, batch: { type: 'string', default: '8' }, iters: { type: 'string', default: '5' } } });
const size = Number(values.size), batch = Number(values.batch), iters = Number(values.iters);

const backend = await initTf();
const model = buildStudent('mobilenetv2:0.35', { inputShape: [size, size, 3], classes: 10, seed: 1 });
const exec = new GraphExecutor(model);
const logits = logitsTensor(model).tensor;
const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1);
const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
const opt = tf.train.adam(1e-3);

async function time(f: () => Promise<void>): Promise<number> {
  await f(); // warm-up (kernel compilation, allocation)
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await f();
  return (performance.now() - t0) / iters;
}

const forward = await time(async () => {
  await exec.predict([x], [logits]);
});
const step = await time(async () => {
  const loss = opt.minimize(() => crossEntropy(exec.run([x], [logits])[0] as tf.Tensor2D, y), true, exec.variables());
  await loss?.data();
  loss?.dispose();
});
console.log(`backend ${backend}; MobileNetV2-0.35 @ ${size}x${size}x3, batch ${batch}, ${exec.parameterCount()} parameters`);
console.log(`forward ${forward.toFixed(1)} ms (${(forward / batch).toFixed(2)} ms/image); training step ${step.toFixed(1)} ms (${(step / batch).toFixed(2)} ms/image)`);
console.log(`training step / forward = ${(step / forward).toFixed(2)}`);
exec.dispose();
