// Student templates by name; a spec string "<template>:<width>" (e.g. "mobilenetv2:0.35") selects one.
import type { Model } from '../../ir/model.js';
import { buildMbNet, EFFICIENTNET_LITE, MOBILENET_V2 } from './mbconv.js';
import { buildShuffleNetV2 } from './shufflenet-v2.js';
import type { StudentOptions } from './student-options.js';

export type { StudentOptions } from './student-options.js';

export const STUDENT_TEMPLATES: Readonly<Record<string, (o: StudentOptions) => Model>> = {
  mobilenetv2: (o) => buildMbNet(MOBILENET_V2, o),
  shufflenetv2: buildShuffleNetV2,
  'efficientnet-lite': (o) => buildMbNet(EFFICIENTNET_LITE, o),
};

export interface StudentSpec {
  template: string;
  width: number;
}

/** Parses "<template>[:<width>]"; throws with the list of templates when the name is unknown. */
export function parseStudentSpec(spec: string): StudentSpec {
  const [template, widthText] = spec.split(':');
  if (!(template in STUDENT_TEMPLATES)) {
    throw new Error(`unknown student "${template}" (choose ${Object.keys(STUDENT_TEMPLATES).join(', ')})`);
  }
  const width = widthText === undefined ? 1 : Number(widthText);
  if (!Number.isFinite(width) || width <= 0 || width > 4) throw new Error(`student width "${widthText}" must be a number in (0, 4]`);
  return { template, width };
}

export function buildStudent(spec: string, options: Omit<StudentOptions, 'width'>): Model {
  const { template, width } = parseStudentSpec(spec);
  return STUDENT_TEMPLATES[template]({ ...options, width });
}
