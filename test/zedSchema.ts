/**
 * A parser and checker for the subset of the SpiceDB schema language services/spicedb/schema.zed
 * uses: `definition`, `relation r: t | t#rel | t:*`, `permission p = <expr>` with `+` (union),
 * `&` (intersection), `-` (exclusion), `->` (arrow), parentheses and `nil`; comments. Caveats,
 * `with`, imports and partials are rejected. It fails, naming the line, on anything SpiceDB would
 * reject that the subset can express: undefined types, relations and permissions, an arrow over a
 * permission or a subject set, duplicate names, reserved words, and (stricter than SpiceDB) mixed
 * operators without parentheses.
 *
 * `check` evaluates a permission over a set of relationships, so tests can ask the schema the
 * questions the services will ask SpiceDB.
 */

export interface AllowedType {
  type: string;
  /** `type#relation`: a subject set. */
  relation?: string;
  /** `type:*`: every subject of the type. */
  wildcard?: boolean;
}

export type ZedExpr =
  | { kind: "nil" }
  | { kind: "ref"; name: string }
  | { kind: "arrow"; relation: string; target: string }
  | { kind: "op"; op: "+" | "&" | "-"; operands: ZedExpr[] };

export interface ZedDefinition {
  name: string;
  relations: Map<string, AllowedType[]>;
  permissions: Map<string, ZedExpr>;
}

export type ZedSchema = Map<string, ZedDefinition>;

export class ZedSchemaError extends Error {
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = "ZedSchemaError";
  }
}

const RESERVED = new Set(["definition", "caveat", "relation", "permission", "nil", "with"]);
/** Words `use` flags turn into keywords; never names here. */
const FLAG_WORDS = new Set(["use", "expiration", "and", "typechecking", "self", "partial", "import"]);
const NAME = /^[a-z][a-z0-9_]{1,62}[a-z0-9]$/;
const DEFINITION_NAME = /^([a-z][a-z0-9_]{1,61}[a-z0-9]\/)*[a-z][a-z0-9_]{1,62}[a-z0-9]$/;

interface Token {
  text: string;
  line: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (source.startsWith("//", i)) {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      if (end < 0) throw new ZedSchemaError("unterminated comment", line);
      line += source.slice(i, end).split("\n").length - 1;
      i = end + 2;
    } else if (source.startsWith("->", i)) {
      tokens.push({ text: "->", line });
      i += 2;
    } else if ("{}()|#:=+&-*;".includes(c)) {
      tokens.push({ text: c, line });
      i++;
    } else {
      const word = /^[A-Za-z0-9_/]+/.exec(source.slice(i));
      if (!word) throw new ZedSchemaError(`unexpected character ${JSON.stringify(c)}`, line);
      tokens.push({ text: word[0], line });
      i += word[0].length;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private line(): number | undefined {
    return (this.peek() ?? this.tokens[this.tokens.length - 1])?.line;
  }
  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new ZedSchemaError("unexpected end of schema", this.line());
    return t;
  }
  private expect(text: string): Token {
    const t = this.next();
    if (t.text !== text) throw new ZedSchemaError(`expected "${text}", found "${t.text}"`, t.line);
    return t;
  }
  private name(pattern: RegExp, what: string): string {
    const t = this.next();
    if (RESERVED.has(t.text) || FLAG_WORDS.has(t.text)) {
      throw new ZedSchemaError(`"${t.text}" is a reserved word, not a ${what} name`, t.line);
    }
    if (!pattern.test(t.text)) throw new ZedSchemaError(`invalid ${what} name "${t.text}"`, t.line);
    return t.text;
  }
  private skipSemicolons(): void {
    while (this.peek()?.text === ";") this.pos++;
  }

  parse(): ZedSchema {
    const schema: ZedSchema = new Map();
    this.skipSemicolons();
    while (this.peek()) {
      const t = this.next();
      if (t.text === "caveat" || t.text === "use" || t.text === "import" || t.text === "partial") {
        throw new ZedSchemaError(`"${t.text}" is outside the supported subset`, t.line);
      }
      if (t.text !== "definition")
        throw new ZedSchemaError(`expected "definition", found "${t.text}"`, t.line);
      const def = this.definition();
      if (schema.has(def.name)) throw new ZedSchemaError(`definition ${def.name} is defined twice`, t.line);
      schema.set(def.name, def);
      this.skipSemicolons();
    }
    return schema;
  }

  private definition(): ZedDefinition {
    const def: ZedDefinition = {
      name: this.name(DEFINITION_NAME, "definition"),
      relations: new Map(),
      permissions: new Map(),
    };
    this.expect("{");
    for (;;) {
      this.skipSemicolons();
      const t = this.next();
      if (t.text === "}") return def;
      if (t.text !== "relation" && t.text !== "permission") {
        throw new ZedSchemaError(`expected "relation", "permission" or "}", found "${t.text}"`, t.line);
      }
      const name = this.name(NAME, t.text);
      if (def.relations.has(name) || def.permissions.has(name)) {
        throw new ZedSchemaError(`${def.name}#${name} is defined twice`, t.line);
      }
      if (t.text === "relation") {
        this.expect(":");
        def.relations.set(name, this.allowedTypes());
      } else {
        this.expect("=");
        def.permissions.set(name, this.expression());
      }
    }
  }

  private allowedTypes(): AllowedType[] {
    const types: AllowedType[] = [];
    for (;;) {
      const type = this.name(DEFINITION_NAME, "type");
      if (this.peek()?.text === "#") {
        this.pos++;
        types.push({ type, relation: this.name(NAME, "relation") });
      } else if (this.peek()?.text === ":") {
        this.pos++;
        this.expect("*");
        types.push({ type, wildcard: true });
      } else {
        types.push({ type });
      }
      if (this.peek()?.text === "with") {
        throw new ZedSchemaError("caveats (`with`) are outside the supported subset", this.line());
      }
      if (this.peek()?.text !== "|") return types;
      this.pos++;
    }
  }

  /** Operands joined by one operator; a different operator needs parentheses. */
  private expression(): ZedExpr {
    const first = this.operand();
    let lastLine = this.tokens[this.pos - 1].line;
    const operands = [first];
    let op: "+" | "&" | "-" | undefined;
    for (;;) {
      const t = this.peek();
      // A newline ends the statement (SpiceDB inserts a semicolon after an operand at a newline).
      if (!t || t.line !== lastLine || (t.text !== "+" && t.text !== "&" && t.text !== "-")) break;
      if (op !== undefined && t.text !== op) {
        throw new ZedSchemaError(`mixing "${op}" and "${t.text}" needs parentheses`, t.line);
      }
      op = t.text;
      this.pos++;
      operands.push(this.operand());
      lastLine = this.tokens[this.pos - 1].line;
    }
    return op === undefined ? first : { kind: "op", op, operands };
  }

  private operand(): ZedExpr {
    const t = this.peek();
    if (t?.text === "(") {
      this.pos++;
      const inner = this.expression();
      this.expect(")");
      return inner;
    }
    if (t?.text === "nil") {
      this.pos++;
      return { kind: "nil" };
    }
    const name = this.name(NAME, "relation or permission");
    if (this.peek()?.text === "->") {
      this.pos++;
      return { kind: "arrow", relation: name, target: this.name(NAME, "relation or permission") };
    }
    return { kind: "ref", name };
  }
}

/** Every reference resolves, arrows walk plain relations, subject sets name existing relations. */
function validate(schema: ZedSchema): void {
  const has = (type: string, member: string) =>
    schema.get(type)?.relations.has(member) === true || schema.get(type)?.permissions.has(member) === true;

  for (const def of schema.values()) {
    for (const [rel, types] of def.relations) {
      for (const t of types) {
        if (!schema.has(t.type)) throw new ZedSchemaError(`${def.name}#${rel}: undefined type ${t.type}`);
        if (t.relation && !has(t.type, t.relation)) {
          throw new ZedSchemaError(
            `${def.name}#${rel}: ${t.type} has no relation or permission ${t.relation}`,
          );
        }
      }
    }
    const walk = (perm: string, e: ZedExpr): void => {
      if (e.kind === "op") e.operands.forEach((o) => walk(perm, o));
      if (e.kind === "ref" && !has(def.name, e.name)) {
        throw new ZedSchemaError(`${def.name}#${perm}: undefined relation or permission ${e.name}`);
      }
      if (e.kind === "arrow") {
        const types = def.relations.get(e.relation);
        if (!types) {
          throw new ZedSchemaError(`${def.name}#${perm}: arrow over ${e.relation}, which is not a relation`);
        }
        for (const t of types) {
          if (t.relation || t.wildcard) {
            throw new ZedSchemaError(
              `${def.name}#${perm}: arrow over ${e.relation}, which allows ${t.type}#…`,
            );
          }
          if (!has(t.type, e.target)) {
            throw new ZedSchemaError(
              `${def.name}#${perm}: ${e.relation}->${e.target}, but ${t.type} has no ${e.target}`,
            );
          }
        }
      }
    };
    for (const [perm, expr] of def.permissions) walk(perm, expr);
  }
}

export function parseZed(source: string): ZedSchema {
  const schema = new Parser(tokenize(source)).parse();
  validate(schema);
  return schema;
}

/** A relationship "resource:id#relation@subject:id" or "…@subject:id#relation". */
export interface Relationship {
  resource: { type: string; id: string };
  relation: string;
  subject: { type: string; id: string; relation?: string };
}

export function relationship(text: string): Relationship {
  const m = /^([a-z_/]+):([\w-]+)#(\w+)@([a-z_/]+):([\w*-]+)(?:#(\w+))?$/.exec(text);
  if (!m) throw new Error(`not a relationship: ${text}`);
  return {
    resource: { type: m[1], id: m[2] },
    relation: m[3],
    subject: { type: m[4], id: m[5], ...(m[6] ? { relation: m[6] } : {}) },
  };
}

/**
 * Does `subject` (type:id) have `permission` (or relation) on `resource` (type:id), given these
 * relationships? Relationships must fit the schema's allowed types.
 */
export function check(
  schema: ZedSchema,
  relationships: string[],
  resource: string,
  permission: string,
  subject: string,
): boolean {
  const rels = relationships.map(relationship);
  for (const r of rels) {
    const allowed = schema.get(r.resource.type)?.relations.get(r.relation);
    const fits = allowed?.some(
      (t) =>
        t.type === r.subject.type &&
        (t.relation ?? undefined) === r.subject.relation &&
        (r.subject.id === "*") === (t.wildcard === true),
    );
    if (!fits) throw new Error(`relationship does not fit the schema: ${JSON.stringify(r)}`);
  }
  const [subjectType, subjectId] = subject.split(":");
  const has = (type: string, id: string, member: string, seen: Set<string>): boolean => {
    const key = `${type}:${id}#${member}`;
    if (seen.has(key)) return false;
    const nextSeen = new Set(seen).add(key);
    const def = schema.get(type);
    if (!def) return false;
    const expr = def.permissions.get(member);
    if (expr) return evaluate(type, id, expr, nextSeen);
    return rels
      .filter((r) => r.resource.type === type && r.resource.id === id && r.relation === member)
      .some((r) =>
        r.subject.relation
          ? has(r.subject.type, r.subject.id, r.subject.relation, nextSeen)
          : r.subject.type === subjectType && (r.subject.id === subjectId || r.subject.id === "*"),
      );
  };
  const evaluate = (type: string, id: string, e: ZedExpr, seen: Set<string>): boolean => {
    switch (e.kind) {
      case "nil":
        return false;
      case "ref":
        return has(type, id, e.name, seen);
      case "arrow":
        return rels
          .filter((r) => r.resource.type === type && r.resource.id === id && r.relation === e.relation)
          .some((r) => has(r.subject.type, r.subject.id, e.target, seen));
      case "op": {
        const [first, ...rest] = e.operands.map((o) => evaluate(type, id, o, seen));
        if (e.op === "+") return first || rest.some(Boolean);
        if (e.op === "&") return first && rest.every(Boolean);
        return first && !rest.some(Boolean);
      }
    }
  };
  const [resourceType, resourceId] = resource.split(":");
  return has(resourceType, resourceId, permission, new Set());
}
