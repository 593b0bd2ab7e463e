/**
 * The searchable document the event store writes per event, so the raw baseline indexes exactly the same documents
 * with plain Elasticsearch calls. Every run still checks it against what the store really wrote (`verifySameDocuments`).
 */
export { toSearchDocument as searchDocument, eventDocumentId } from '@gyroscops/event-store/elasticsearch';
