// A typed client of the API as a TypeScript user writes it: openapi-fetch over the types that
// openapi-typescript generates from the served document (default settings). `tsc --strict`
// must accept it unchanged; tests/clients/test_typescript_client.py also runs it against a live
// server. `./schema` is the generated file, written next to this one by the test.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type ErrorEnvelope = components["schemas"]["Error"];
type ClientCreate = NonNullable<paths["/clients"]["post"]["requestBody"]>["content"]["application/json"];
type TimeEntryUpdate = NonNullable<
  paths["/time-entries/{id}"]["patch"]["requestBody"]
>["content"]["application/json"];
type TimeEntryQuery = NonNullable<paths["/time-entries"]["get"]["parameters"]["query"]>;
type ProjectQuery = NonNullable<paths["/projects"]["get"]["parameters"]["query"]>;

// Type-level facts the generators must see in the document (tsc fails if any is wrong):
// a field with a `default` is optional in a request body,
const minimalClient: ClientCreate = { name: "Only a name" };
// boolean filters are booleans and enum filters have one spelling (the server's aliases,
// `yes`/`1` and lower-case values, are leniency, not types),
const running: TimeEntryQuery["running"] = true;
// @ts-expect-error -- "yes" is accepted by the server but is not the documented type
const runningAlias: TimeEntryQuery["running"] = "yes";
const status: ProjectQuery["status"] = "ACTIVE";
// @ts-expect-error -- lower case is accepted by the server but is not the documented value
const statusAlias: ProjectQuery["status"] = "active";
// and a PATCH can only stop a timer.
const stopTimer: TimeEntryUpdate = { running: false };
// @ts-expect-error -- timers start with createTimeEntry, never with a PATCH
const startTimer: TimeEntryUpdate = { running: true };
export const typeFacts = [minimalClient, running, runningAlias, status, statusAlias, stopTimer, startTimer];

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`workflow: ${message}`);
}

export interface WorkflowResult {
  created: string[];
  pages: number;
  listed: number;
}

/** Create, get, page to the end, update, delete, a 404 and a 422 — through the typed client. */
export async function workflow(baseUrl: string, token: string): Promise<WorkflowResult> {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const idempotency = () => ({ header: { "Idempotency-Key": crypto.randomUUID() } });
  const tag = crypto.randomUUID().slice(0, 8);

  const created: string[] = [];
  for (const n of [0, 1, 2]) {
    const body: ClientCreate = { name: `Typed ${tag} ${n}` };
    const { data, error, response } = await api.POST("/clients", { params: idempotency(), body });
    check(response.status === 201 && data !== undefined, `create ${response.status} ${JSON.stringify(error)}`);
    check(data.data.requirePoNumber === false, "requirePoNumber defaults to false");
    created.push(data.data.id);
  }

  const got = await api.GET("/clients/{id}", { params: { path: { id: created[0] } } });
  check(got.data?.data.name === `Typed ${tag} 0`, `get ${got.response.status}`);

  const listed: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (; pages < 100; ) {
    const page = await api.GET("/clients", { params: { query: { limit: 2, cursor } } });
    check(page.data !== undefined, `list ${page.response.status}`);
    pages += 1;
    listed.push(...page.data.data.map((client) => client.id));
    const next = page.data.pagination.nextCursor;
    if (next === null) break;
    cursor = next;
  }
  check(new Set(listed).size === listed.length, "no client twice across pages");
  check(created.every((id) => listed.includes(id)), "every created client is listed");

  const renamed = await api.PATCH("/clients/{id}", {
    params: { path: { id: created[1] } },
    body: { name: `Renamed ${tag}` },
  });
  check(renamed.data?.data.name === `Renamed ${tag}`, `update ${renamed.response.status}`);

  const deleted = await api.DELETE("/clients/{id}", { params: { path: { id: created[2] } } });
  check(deleted.response.status === 204, `delete ${deleted.response.status}`);
  const missing = await api.GET("/clients/{id}", { params: { path: { id: created[2] } } });
  const notFound: ErrorEnvelope | undefined = missing.error;
  check(missing.response.status === 404 && notFound?.error.code === "not_found", "404 envelope");
  const withDeleted = await api.GET("/clients", { params: { query: { includeDeleted: true, limit: 200 } } });
  check(withDeleted.data?.data.some((c) => c.id === created[2] && c.deletedAt !== null) === true, "includeDeleted");

  const invalid = await api.POST("/clients", { params: idempotency(), body: { name: "" } });
  const rejected: ErrorEnvelope | undefined = invalid.error;
  check(invalid.response.status === 422 && rejected?.error.code === "validation_error", "422 envelope");
  check(rejected.error.fields?.name !== undefined, "422 names the field");

  const stopped = await api.GET("/time-entries", { params: { query: { running: false, billable: true, limit: 200 } } });
  check(stopped.data !== undefined && stopped.data.data.length > 0, `time entries ${stopped.response.status}`);
  check(stopped.data.data.every((e) => !e.running && e.billable), "boolean filters apply");
  const active = await api.GET("/projects", { params: { query: { status: "ACTIVE", limit: 200 } } });
  check(active.data?.data.every((p) => p.status === "ACTIVE") === true, "enum filter applies");

  return { created, pages, listed: listed.length };
}
