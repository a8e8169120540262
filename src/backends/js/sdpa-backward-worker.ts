// Worker thread of the asynchronous backward pass (sdpa-backward-async.ts).
import { serveJobs } from './worker-serve';
import { sdpaBackwardJs } from './sdpa-backward-js';
import { gradientsOf } from './sdpa-backward-async';

serveJobs(sdpaBackwardJs, gradientsOf);
