/**
 * Calibration, evaluation and fine-tuning data checked against the model before any work: the path
 * exists, at least one sample was read, labels are class indices of the model's output, and
 * evaluation data without labels is used only when the user asked for the top-1 agreement metric
 * (never a silent switch from accuracy, never a "budget met" on zero samples).
 */
import { statSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { fileError } from '../errors.js';
import type { Model } from '../ir/model.js';
import { listInputFiles, type Normalisation } from './inputs.js';
import { labelOfFolder, loadLabeledData, type LabeledData } from './labeled-data.js';

export type DataRole = 'calibration' | 'evaluation' | 'fine-tuning' | 'training';
/** How the compressed model is judged: top-1 accuracy on labels, or top-1 agreement with the original. */
export type Metric = 'accuracy' | 'agreement';

export interface DataRequest {
  role: DataRole;
  inputShape: readonly number[];
  normalize: Normalisation;
  limit?: number;
  /** Evaluation for optimize: 'accuracy' needs labels, 'agreement' ignores them. Absent: labels required, no alternative. */
  metric?: Metric;
}

/** Class count of the model's first output (its last dimension), when it has a static one. */
export function classCount(model: Model): number | undefined {
  const sg = model.subgraphs[0];
  const out = sg?.outputs.length ? sg.tensors[sg.outputs[0]!] : undefined;
  const last = out?.shape?.at(-1);
  return last !== undefined && last > 0 ? last : undefined;
}

export function loadCheckedData(path: string, model: Model, req: DataRequest): LabeledData {
  try {
    statSync(path);
  } catch {
    throw fileError(path, `${req.role} data not found`);
  }
  const data = loadLabeledData(path, req.inputShape, req.normalize, req.limit);
  if (data.inputs.length === 0) {
    throw fileError(path, `no usable ${req.role} samples (expected images or tensors in folders, an IDX images file, or CSV rows "label,pixel0,...")`);
  }
  if (req.role === 'calibration') return data;
  if (req.role === 'evaluation' && req.metric === 'agreement') return { inputs: data.inputs, source: data.source };
  if (data.labels === undefined) {
    if (req.role === 'fine-tuning' || req.role === 'training') return data; // distillation needs no labels
    // Only optimize has a metric to switch to; it passes `metric`, so the hint appears only where it applies.
    const hint = req.metric !== undefined ? ', or --metric agreement to judge by top-1 agreement with the original model' : '';
    throw fileError(path, `${unlabeledReason(path, data)}; ${req.role} data need labels${hint}`);
  }
  const classes = classCount(model);
  if (classes !== undefined) {
    const bad = data.labels.find((l) => l >= classes);
    if (bad !== undefined) throw fileError(path, `label ${bad} is outside the model's ${classes} classes (0..${classes - 1})`);
  }
  return data;
}

/** Why a data set has no labels, naming the first file that lacks one. */
function unlabeledReason(path: string, data: LabeledData): string {
  if (data.source === 'idx') return 'IDX images have no labels file beside them';
  for (const file of listInputFiles(path)) {
    const top = relative(path, dirname(file)).split(sep)[0] ?? '';
    if (labelOfFolder(top) === undefined) {
      const where = top === '' ? 'is not inside a class folder' : `is in folder "${top}", not a class folder`;
      return `${relative(path, file)} ${where} named <class index>_name (e.g. 0_tshirt/)`;
    }
  }
  return 'the samples have no labels';
}
