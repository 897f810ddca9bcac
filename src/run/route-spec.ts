// One route of a run: where to listen, where to forward, and how. `looptap tcp` and `looptap
// http` make one; --route and --config make several (src/cli/routes.ts parses them).

import type { DecodeSetting, Mode } from '../events.js';

export interface RouteSpec {
  /** stamped on every event of the route as `route` (when the run has several) */
  name: string;
  listen: string;
  target: string;
  mode: Mode;
  decode: DecodeSetting;
  /** --fault lines for this route (docs/faults.md); "faults" in --config */
  faults?: string[];
}
