// The explain study: why attention scales q·kᵀ by 1/√d_k, measured with attnkit's own kernel.
export { scaleStudy, studyDimension, SATURATION_THRESHOLD } from './scale-study';
export { workedExample } from './worked-example';
export { sampleSoftmaxRow, type SoftmaxRowSample } from './softmax-row';
export { formatStudyTable, formatWorkedExample, formatNumber } from './format-table';
export { studyFigures, type Figure } from './plots';
export { SCALES } from './scales';
export { DEFAULT_DIMS, DEFAULT_KEYS, DEFAULT_SAMPLES, DEFAULT_SEED } from './options';
export type { ScaleName, ScaleStudyOptions, ScaleStudyRow, SigmaRange, WorkedExample, WorkedSoftmaxRow } from './types';
