/**
 * The authenticated `/api/v4` routes of the default account. Every handler gets a request whose
 * token was already accepted and returns an {@link Answer}; nothing here touches sockets.
 */
import { problemAnswer, type Answer } from './answers';
import { complexLeadRoutes } from './complexLeads';
import { entityRoutes } from './entityRoutes';
import { metadataRoutes } from './metadataRoutes';
import { problem } from './problems';
import { relationRoutes } from './relationRoutes';
import { dispatch, notFound, type ApiRequest, type Route, type RouteContext } from './routeKit';

export type { ApiRequest, Handler, Route } from './routeKit';

const CUSTOMERS_PATH = /^\/api\/v4\/customers(\/|$)/;

/**
 * The router of `/api/v4`. Customers answer only when the account has them on (`customersMode`
 * periodicity or segments, docs/kommo-api.md §6).
 */
export function createApiRouter(context: RouteContext): (request: ApiRequest) => Answer {
  const routes: Route[] = [
    ...metadataRoutes(context),
    ...complexLeadRoutes(context),
    ...relationRoutes(context),
    ...entityRoutes(context),
  ];
  return (request) => {
    const mode = context.knobs.values.customersMode;
    if (CUSTOMERS_PATH.test(request.url.pathname) && mode !== 'periodicity' && mode !== 'segments') {
      return problemAnswer(problem(403, `Customers are ${mode} in this account (customers_mode); turn them on to use /api/v4/customers`));
    }
    return dispatch(routes, request) ?? notFound();
  };
}
