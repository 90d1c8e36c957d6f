import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The fakes are a second reading of the vendors' APIs, so they must not reuse the product's
 * domain code: a shared bug would then agree with itself. Only node builtins and npm packages
 * (the AWS SDK's models and serde) may come from outside src/sandbox.
 */

const SANDBOX = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/sandbox");
const OWN_PACKAGE = "ecs-mesh-controller";

const sourceFiles = (directory: string): string[] =>
  readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : /\.[cm]?tsx?$/.test(entry.name) ? [path] : [];
  });

/** Every module a file imports or re-exports, dynamic imports included. */
const specifiers = (file: string): string[] =>
  ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map(({ fileName }) => fileName);

/** Why `specifier`, imported by `file`, reaches outside the sandbox; undefined when it does not. */
function outsideReason(file: string, specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return undefined;
  if (specifier.startsWith(".")) {
    const target = resolve(dirname(file), specifier);
    return target === SANDBOX || target.startsWith(`${SANDBOX}${sep}`) ? undefined : "leaves src/sandbox";
  }
  if (specifier.startsWith("/") || specifier.startsWith("#")) return "is not a relative or package import";
  const packageName = specifier.startsWith("@")
    ? specifier.split("/").slice(0, 2).join("/")
    : specifier.split("/")[0];
  return packageName === OWN_PACKAGE ? "imports the product by its package name" : undefined;
}

describe("the sandbox's independence from the product", () => {
  it("imports nothing from outside src/sandbox but node builtins and npm packages", () => {
    const files = sourceFiles(SANDBOX);
    expect(files.length).toBeGreaterThan(50);
    const violations = files.flatMap((file) =>
      specifiers(file).flatMap((specifier) => {
        const reason = outsideReason(file, specifier);
        return reason === undefined ? [] : [`${relative(SANDBOX, file)}: "${specifier}" ${reason}`];
      }),
    );
    expect(violations).toEqual([]);
  });

  it("notices an import that leaves the sandbox", () => {
    const file = join(SANDBOX, "namerd", "handlers.ts");
    expect(outsideReason(file, "../../dtab/index.js")).toBe("leaves src/sandbox");
    expect(outsideReason(file, "../json.js")).toBeUndefined();
    expect(outsideReason(file, "ecs-mesh-controller/dtab")).toBe("imports the product by its package name");
    expect(outsideReason(file, "@aws-sdk/client-ecs")).toBeUndefined();
    expect(outsideReason(file, "node:http")).toBeUndefined();
  });
});
