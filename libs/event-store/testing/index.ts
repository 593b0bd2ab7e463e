/** Test support other libraries' tests use (`@gyroscops/event-store/testing`): a real Elasticsearch, a prefix per suite, a store on it. */
export { testClient, testPrefix, makeEsStore, EVENTS_LAYOUTS } from './es-test-support';
