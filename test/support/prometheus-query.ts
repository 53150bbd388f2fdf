/** One sample of an instant query's vector. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query against a test's own Prometheus (its HTTP API); a failed query throws with its answer. */
export async function promQuery(promUrl: string, promql: string): Promise<PromSample[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { status: string; data: { result: PromSample[] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}
