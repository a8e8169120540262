// Worker thread of the JavaScript backend's async calls (async-pool.ts).
import { serveJobs } from './worker-serve';
import { sdpaJsAny } from './sdpa-js-any';
import { outputsOf } from './async-pool';

serveJobs(sdpaJsAny, outputsOf);
