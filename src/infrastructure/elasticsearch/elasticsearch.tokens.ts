/** Injection token of the shared `@elastic/elasticsearch` Client (`@Inject(ES_CLIENT) client: Client`). */
export const ES_CLIENT = Symbol('ES_CLIENT');
