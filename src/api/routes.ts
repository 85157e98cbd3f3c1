// Every Engine API route, in matching order (specific paths before patterns
// that would also match them).
import { AUTH_ROUTES } from './auth';
import { BUILD_PUSH_ROUTES } from './build-push';
import { CONTAINER_OPS_ROUTES } from './container-ops';
import { CONTAINER_ROUTES } from './containers';
import { EXEC_ROUTES } from './exec';
import { IMAGE_ROUTES } from './images';
import { NETWORK_ROUTES } from './networks';
import type { Route } from './server';
import { SYSTEM_ROUTES } from './system';
import { VOLUME_ROUTES } from './volumes';

export const ROUTES: Route[] = [
  ...SYSTEM_ROUTES,
  ...AUTH_ROUTES,
  ...BUILD_PUSH_ROUTES,
  ...IMAGE_ROUTES,
  ...CONTAINER_OPS_ROUTES,
  ...EXEC_ROUTES,
  ...CONTAINER_ROUTES,
  ...NETWORK_ROUTES,
  ...VOLUME_ROUTES,
];
