/**
 * Data model of Finagle delegation tables (dtabs), as used by Linkerd 1 and namerd.
 * Everything here is plain immutable data so that trees can be compared with deep equality,
 * serialised as JSON and generated in property tests.
 */

/**
 * A path such as `/svc/world`, as its decoded segments (`["svc", "world"]`); `/` is `[]`.
 * Segments are non-empty, well-formed Unicode strings. Finagle stores segments as bytes: the
 * `\xHH` escapes of the text form are UTF-8 bytes, decoded here so that segments stay readable.
 */
export type Path = readonly string[];

/** A prefix segment that matches exactly one path segment, written `*`. */
export interface Wildcard {
  readonly wildcard: true;
}

/**
 * An explicit object rather than the string "*", because `\x2a` is a literal segment named "*"
 * that matches only itself; a string would conflate the two.
 */
export const WILDCARD: Wildcard = Object.freeze({ wildcard: true });

export type PrefixSegment = string | Wildcard;

/** The left-hand side of a dentry, such as `/svc`, possibly with wildcard segments. */
export type Prefix = readonly PrefixSegment[];

/** A branch of a weighted union (`w * tree`); the weight is finite and non-negative. */
export interface Weighted {
  readonly weight: number;
  readonly tree: NameTree;
}

/**
 * The right-hand side of a dentry. `alt` (`a | b`) tries branches in order and falls through on
 * `neg`; `union` (`a & b`) splits traffic by weight. The parser only produces `alt` and `union`
 * with two or more members; the printer treats fewer as Finagle does (none is `~`, one is itself).
 */
export type NameTree =
  | { readonly kind: "leaf"; readonly path: Path }
  | { readonly kind: "alt"; readonly trees: readonly NameTree[] }
  | { readonly kind: "union"; readonly branches: readonly Weighted[] }
  /** `!`: stop and fail the request; an `alt` does not fall through it. */
  | { readonly kind: "fail" }
  /** `~`: no binding here; an `alt` (or an earlier dentry) is tried instead. */
  | { readonly kind: "neg" }
  /** `$`: bound to an empty set of endpoints. */
  | { readonly kind: "empty" };

export interface Dentry {
  readonly prefix: Prefix;
  readonly dst: NameTree;
}

/** Dentries in source order: later entries take precedence over earlier ones. */
export type Dtab = readonly Dentry[];

/** Every delegation node names the path it stands for and the dentry that produced it. */
interface DelegateNodeBase {
  readonly path: Path;
  /** The dentry whose destination produced this node; null for the path delegation started from. */
  readonly dentry: Dentry | null;
}

export interface WeightedDelegateTree {
  readonly weight: number;
  readonly tree: DelegateTree;
}

/**
 * The explanation of how a path resolves, in the shape of namerd's `/api/1/delegate` response
 * (same `type` names and field names: `delegate`, `alt`, `union`, `message`), before namerd's
 * simplification, so each lookup keeps its own node. Paths are segment arrays here; print them
 * with `printPath` to get namerd's JSON strings.
 */
export type DelegateTree =
  /** `path` matched exactly one dentry, whose expanded destination is `delegate`. */
  | (DelegateNodeBase & { readonly type: "delegate"; readonly delegate: DelegateTree })
  /** An `|` in a destination, or several matching dentries (the latest first). */
  | (DelegateNodeBase & { readonly type: "alt"; readonly alt: readonly DelegateTree[] })
  | (DelegateNodeBase & { readonly type: "union"; readonly union: readonly WeightedDelegateTree[] })
  /** A bound name: `/#/<namer>/...` or `/$/<scheme>/...`; its endpoints are the namer's business. */
  | (DelegateNodeBase & { readonly type: "leaf" })
  | (DelegateNodeBase & { readonly type: "neg" | "fail" | "empty" })
  /** Delegation gave up here (a loop, or a depth or size limit), with the reason. */
  | (DelegateNodeBase & { readonly type: "exception"; readonly message: string });

/** A bound leaf and its share (0..1) of the traffic sent to the delegated path. */
export interface Destination {
  readonly path: Path;
  readonly weight: number;
}

/**
 * Where traffic for a path ends up. `bound` lists the destinations with a positive share;
 * `emptyShare` is the share that reaches `$` (no endpoints), so the weights plus `emptyShare`
 * sum to 1. `neg` means no route, `fail` a deliberate `!`, `empty` that everything reaches `$`.
 */
export type Destinations =
  | {
      readonly outcome: "bound";
      readonly destinations: readonly Destination[];
      readonly emptyShare: number;
    }
  | { readonly outcome: "neg" | "fail" | "empty"; readonly destinations: readonly [] }
  | { readonly outcome: "exception"; readonly destinations: readonly []; readonly message: string };
