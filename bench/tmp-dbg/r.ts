import { readFileSync } from 'node:fs';
import { readModel } from '../../compiler/src/tflite/read.ts';
import { pruneMagnitude } from '../../compiler/src/passes/prune-magnitude.ts';
import { restoreCandidates, withRestoredWeights, withUnclustered } from '../../compiler/src/pipeline/restore-layers.ts';
import { tailPlan } from '../../compiler/src/pipeline/plan.ts';
import { tensorData } from '../../compiler/src/ir/graph.ts';
const m = readModel(new Uint8Array(readFileSync('test/fixtures/models/tflm/hello_world_float.tflite')));
const p = (await pruneMagnitude.run(m, { sparsity: 0.5 }, { log() {} })).model;
const plan = tailPlan({ quantize: 'int8', io: 'float', cluster: 16, clusterGranularity: 'tensor', restoreFp16: false });
const c = restoreCandidates(m, p, plan);
console.log(JSON.stringify(c));
const r = withRestoredWeights(m, p, new Set(c.map((x) => x.weight!)));
const sg = r.subgraphs[0]!;
for (const x of c) { const t = sg.tensors.find((t) => t.name === x.weight)!; const d = tensorData(r, t) as Float32Array; console.log(x.weight, d.filter((v) => v === 0).length, (tensorData(p, p.subgraphs[0]!.tensors.find((t) => t.name === x.weight)!) as Float32Array).filter((v) => v === 0).length); }
console.log(JSON.stringify(withUnclustered(plan, c.map((x) => x.weight!))));
