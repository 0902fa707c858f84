/**
 * A GitHub REST API on 127.0.0.1 with the endpoints the CI scripts use, holding pull requests,
 * comments and issues in memory: the scripts talk real HTTP to it. Like GitHub, it paginates with
 * Link headers, filters pulls by `head=owner:branch`, and refuses to edit someone else's comment.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export interface User {
  login: string;
  type: "User" | "Bot";
}
export const BOT: User = { login: "github-actions[bot]", type: "Bot" };

export interface FakePull {
  number: number;
  state: "open" | "closed";
  headSha: string;
  headRepo: string;
  headBranch: string;
  baseRepo: string;
}
export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: User;
}
export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  user: User;
}

export interface FakeGitHub {
  url: string;
  token: string;
  pulls: FakePull[];
  comments: FakeComment[];
  issues: FakeIssue[];
  /** Every request as "METHOD /path" (no query), to assert on what was (not) written. */
  requests: string[];
  /** When set, `head=` is ignored, to show the script does not rely on the server's filter. */
  ignoreHeadFilter: boolean;
  close(): Promise<void>;
}

const PAGE = 2;

export async function startFakeGitHub(repository: string): Promise<FakeGitHub> {
  const state: Omit<FakeGitHub, "url" | "close"> = {
    token: "test-token-not-a-secret",
    pulls: [],
    comments: [],
    issues: [],
    requests: [],
    ignoreHeadFilter: false,
  };
  let nextId = 1000;

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      state.requests.push(`${req.method} ${url.pathname}`);
      const send = (status: number, body: unknown, link?: string) => {
        res.writeHead(status, { "content-type": "application/json", ...(link ? { link } : {}) });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${state.token}`)
        return send(401, { message: "Bad credentials" });
      const page = (items: unknown[]) => {
        const n = Number(url.searchParams.get("page") ?? "1");
        const slice = items.slice((n - 1) * PAGE, n * PAGE);
        const next = new URL(url);
        next.searchParams.set("page", String(n + 1));
        send(
          200,
          slice,
          n * PAGE < items.length ? `<${address}${next.pathname}${next.search}>; rel="next"` : undefined,
        );
      };
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const prefix = `/repos/${repository}`;
      if (!url.pathname.startsWith(prefix)) return send(404, { message: "Not Found" });
      const p = url.pathname.slice(prefix.length);
      let m: RegExpExecArray | null;

      if (req.method === "GET" && p === "/pulls") {
        const head = url.searchParams.get("head");
        const wanted = state.pulls.filter(
          (pr) =>
            pr.state === (url.searchParams.get("state") ?? "open") &&
            (state.ignoreHeadFilter || !head || head === `${pr.headRepo.split("/")[0]}:${pr.headBranch}`),
        );
        return page(
          wanted.map((pr) => ({
            number: pr.number,
            state: pr.state,
            head: { sha: pr.headSha, ref: pr.headBranch, repo: { full_name: pr.headRepo } },
            base: { repo: { full_name: pr.baseRepo } },
          })),
        );
      }
      if ((m = /^\/issues\/(\d+)\/comments$/.exec(p))) {
        const issue = Number(m[1]);
        if (req.method === "GET") return page(state.comments.filter((c) => c.issue === issue));
        if (req.method === "POST") {
          const c = { id: nextId++, issue, body: String(body.body), user: BOT };
          state.comments.push(c);
          return send(201, c);
        }
      }
      if ((m = /^\/issues\/comments\/(\d+)$/.exec(p)) && req.method === "PATCH") {
        const c = state.comments.find((x) => x.id === Number(m![1]));
        if (!c) return send(404, { message: "Not Found" });
        if (c.user.login !== BOT.login)
          return send(403, { message: "Resource not accessible by integration" });
        c.body = String(body.body);
        return send(200, c);
      }
      if (p === "/issues" && req.method === "GET") {
        const labels = (url.searchParams.get("labels") ?? "").split(",").filter(Boolean);
        const st = url.searchParams.get("state") ?? "open";
        return page(
          state.issues
            .filter((i) => (st === "all" || i.state === st) && labels.every((l) => i.labels.includes(l)))
            .map((i) => ({ ...i, labels: i.labels.map((name) => ({ name })) })),
        );
      }
      if (p === "/issues" && req.method === "POST") {
        const issue: FakeIssue = {
          number: nextId++,
          title: String(body.title),
          body: String(body.body),
          state: "open",
          labels: (body.labels as string[]) ?? [],
          user: BOT,
        };
        state.issues.push(issue);
        return send(201, { ...issue, labels: issue.labels.map((name) => ({ name })) });
      }
      if ((m = /^\/issues\/(\d+)$/.exec(p)) && req.method === "PATCH") {
        const issue = state.issues.find((i) => i.number === Number(m![1]));
        if (!issue) return send(404, { message: "Not Found" });
        if (typeof body.body === "string") issue.body = body.body;
        if (typeof body.title === "string") issue.title = body.title;
        if (body.state === "open" || body.state === "closed") issue.state = body.state;
        return send(200, issue);
      }
      send(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake = state as FakeGitHub;
  fake.url = address;
  fake.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      // fetch keeps connections alive; without this, close waits for their timeout.
      server.closeAllConnections();
    });
  return fake;
}
