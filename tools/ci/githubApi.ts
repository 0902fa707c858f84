/**
 * The few GitHub REST calls the CI scripts make, over fetch with the job's token. Errors name the
 * method, path and status, never the token. Answers are `unknown`: callers check their shape.
 */
export interface GitHubApi {
  get(path: string): Promise<unknown>;
  /** Every page of a list endpoint (follows the Link header). */
  list(path: string): Promise<unknown[]>;
  post(path: string, body: unknown): Promise<unknown>;
  patch(path: string, body: unknown): Promise<unknown>;
}

const MAX_PAGES = 50;

export function gitHubApi(baseUrl: string, token: string): GitHubApi {
  const base = baseUrl.replace(/\/+$/, "");
  async function call(method: string, url: string, body?: unknown): Promise<Response> {
    const res = await fetch(url, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${token}`,
        "x-github-api-version": "2022-11-28",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      const path = url.startsWith(base) ? url.slice(base.length) : url;
      throw new Error(`GitHub API ${method} ${path.split("?")[0]} answered ${res.status}`);
    }
    return res;
  }
  return {
    get: async (path: string): Promise<unknown> => (await call("GET", base + path)).json(),
    post: async (path: string, body: unknown): Promise<unknown> =>
      (await call("POST", base + path, body)).json(),
    patch: async (path: string, body: unknown): Promise<unknown> =>
      (await call("PATCH", base + path, body)).json(),
    list: async (path: string) => {
      const items: unknown[] = [];
      let url: string | undefined = base + path;
      for (let page = 0; url && page < MAX_PAGES; page++) {
        const res = await call("GET", url);
        const page: unknown = await res.json();
        if (!Array.isArray(page)) throw new Error(`GitHub API GET ${path} did not answer a list`);
        items.push(...page);
        const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "");
        // Only ever follow links back to the same API.
        url = next && next[1].startsWith(base) ? next[1] : undefined;
      }
      return items;
    },
  };
}
