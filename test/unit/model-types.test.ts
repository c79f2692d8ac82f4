/**
 * The model holds values, not text or data to be read again: no part of `Network`, followed
 * through every property, list, map and method result, is typed `unknown` (or `any`). Checked
 * by the compiler: `npm run build` fails when one appears, naming its path.
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { Network } from "../../src/network/model.js";

type IsUnknown<T> = unknown extends T ? true : false;

/** The paths (`.peers[].memberships[].extraArgs`) at which `T` holds `unknown`; never if none. */
type UnknownPaths<T, Path extends string = "", Seen = never> =
  IsUnknown<T> extends true ? Path : [T] extends [Seen] ? never : Walk<T, Path, Seen | T>;

/** One step down, for each member of a union `T` (a recursive type is walked once: `Seen`). */
type Walk<T, Path extends string, Seen> = T extends (...args: never[]) => infer R
  ? UnknownPaths<R, `${Path}()`, Seen>
  : T extends ReadonlyMap<infer K, infer V>
    ? UnknownPaths<K, `${Path}.key`, Seen> | UnknownPaths<V, `${Path}.value`, Seen>
    : T extends readonly (infer E)[]
      ? UnknownPaths<E, `${Path}[]`, Seen>
      : T extends object
        ? { [K in keyof T & string]-?: UnknownPaths<T[K], `${Path}.${K}`, Seen> }[keyof T & string]
        : never;

/** Whether two types are the same. */
type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** Compiles only when `T` is `never`; the error shows what `T` is. */
function assertNever<T extends never>(found: readonly T[]): readonly T[] {
  return found;
}

test("no part of the model is typed unknown (a compile-time check)", () => {
  const found: UnknownPaths<Network>[] = [];
  assert.deepEqual(assertNever(found), []);
});

test("the check finds unknown where it is, at any depth, and only there", () => {
  interface Sample {
    a: string;
    b: { c: readonly { d: unknown }[] };
    e(): { f: unknown };
    g: Record<string, unknown>;
    h: Map<string, { i: unknown }>;
    j: Sample;
  }
  const exact: Equal<
    UnknownPaths<Sample>,
    ".b.c[].d" | ".e().f" | `.g.${string}` | ".h.value.i"
  > = true;
  const none: Equal<UnknownPaths<{ a: string; b: readonly number[] }>, never> = true;
  assert.ok(exact && none);
});
