/**
 * The MDP model: the native document and compiled types, the one validator/compiler, the formula
 * language, and the Gymnasium import/export.
 */
export * from './types';
export { compileMdp, validateMdp } from './compile';
export {
  actionCount,
  actionGrid,
  actionVariableNames,
  costFromPositions,
  formulaVariables,
  gridCenters,
  MAX_ISSUES_PER_CODE,
  type MdpIssueCode,
} from './validate';
export {
  FORMULA_CONSTANTS,
  FORMULA_FUNCTIONS,
  FORMULA_WGSL_PRELUDE,
  MAX_FORMULA_DEPTH,
  compileFormula,
  compileFormulaSource,
  formulaToWgsl,
  parseFormula,
  type CompiledFormula,
  type FormulaAst,
  type FormulaError,
  type FormulaNode,
  type ParseResult,
} from './formula';
export {
  GYMNASIUM_DEFAULT_GAMMA,
  exportGymnasium,
  importGymnasium,
  type GymnasiumImportOptions,
  type GymnasiumImportResult,
  type GymnasiumModel,
  type GymnasiumOutcome,
} from './gymnasium';
