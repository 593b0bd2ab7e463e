/** Test support other libraries' tests use (`@gyroscops/projections/testing`). */
export { FAST } from './projections-test-support';
