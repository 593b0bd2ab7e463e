/** Shapes of a benchmark run's result: what the console table, the JSON file and the smoke test read. */

export type Scale = 'smoke' | 'quick' | 'full';

/** How the HTTP scenarios reach the service: a separately started process (honest RSS), in this process, or not at all. */
export type ServiceMode = 'process' | 'in-process' | 'none';

export interface Target {
  /** `>=` for rates (service / raw should be at least), `<=` for times (service / raw should be at most). */
  op: '>=' | '<=';
  value: number;
}

export type RowStatus = 'measured' | 'not-available' | 'failed';

/** One line of the results table: the service's figure, the raw-Elasticsearch figure for the same work, and their ratio. */
export interface Row {
  /** Scenario number from issue 8 (1-7). */
  scenario: number;
  /** Stable key, e.g. `1.library`, `5.search.http.p99`. */
  key: string;
  title: string;
  /** What the service figure goes through. */
  via: 'library' | 'http' | 'proxy' | '-';
  /** Unit of `service` and `baseline`, e.g. `events/s`, `ms p50`, `MB`. */
  unit: string;
  service: number | null;
  baseline: number | null;
  /** service / baseline. */
  ratio: number | null;
  target: Target | null;
  met: boolean | null;
  status: RowStatus;
  /** Why a figure is missing, or what to keep in mind when reading it. */
  note?: string;
  details?: Record<string, number | string | boolean | null>;
}

export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
}

export interface ElasticsearchInfo {
  url: string;
  version: string;
  heapMaxMb: number | null;
}

export interface DataInfo {
  seed: string;
  organizations: number;
  users: number;
  /** Mean size of a stored envelope as JSON (the event as clients read it). */
  avgEnvelopeBytes: number;
  /** Mean size of the searchable document written per event (envelope plus flattened leaves and text). */
  avgSearchDocumentBytes: number;
}

export interface BenchResult {
  tool: 'gyroscops-bench';
  formatVersion: 1;
  scale: Scale;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  indexPrefix: string;
  indicesKept: boolean;
  serviceMode: ServiceMode;
  /** The service process's Node flags: production's (package.json start:prod), then --service-node-flags and --profile's. */
  serviceNodeFlags: string[];
  serviceRunners: boolean;
  machine: MachineInfo;
  elasticsearch: ElasticsearchInfo;
  data: DataInfo;
  rows: Row[];
  notes: string[];
}

export interface BenchOptions {
  scale: Scale;
  /** Elasticsearch URL; default: ES_NODE, else `node scripts/elasticsearch.mjs url`. */
  esNode?: string;
  /** Keep the run's indices instead of deleting them at the end. */
  keep?: boolean;
  service?: ServiceMode;
  /** Compiled service build (set by bench/run.js); without it a service process runs through ts-node. */
  serviceBuildDir?: string;
  /** Extra Node flags for the service process (e.g. `--cpu-prof`). */
  serviceNodeFlags?: string[];
  /** Run the service's projection and saga runners during the bench (off by default: request path only). */
  serviceRunners?: boolean;
  /** Run only these scenario numbers. */
  only?: number[];
  seed?: string;
  /** Events in the search data set (default per scale: 1,000,000 full, 30,000 quick). */
  searchEvents?: number;
  /** Progress lines; default: stdout. */
  log?: (line: string) => void;
}
