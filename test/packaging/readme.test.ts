// The README's install paths name what the repository has: every linked file exists, the registry
// install is marked as not available yet, and the commands match the example files they install.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./bridge-process.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

describe("README", () => {
  it("links only files and folders that exist", () => {
    const links = [...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((match) => match[1] ?? "");
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(existsSync(join(REPO_ROOT, link)), link).toBe(true);
  });

  it("installs from what exists today, and marks the registry install as future", () => {
    const install = readme.slice(readme.indexOf("## Install"), readme.indexOf("## Configuration"));
    expect(install).toContain("npm install && npm run build && npm pack");
    expect(install).toContain("sudo npm install -g ./upslink2mqtt-*.tgz");
    expect(install).toContain("npm install && npm run build && npm link");
    const registry = install.slice(install.indexOf("### From the npm registry"));
    expect(registry).toMatch(/^### From the npm registry \(once published\)/);
    expect(registry).toMatch(/not published/);
    // The registry line appears only under that heading.
    expect(install.indexOf("npm install -g upslink2mqtt")).toBeGreaterThan(
      install.indexOf("### From the npm registry"),
    );
  });

  it("copies the example files the systemd commands name, from where they are", () => {
    for (const match of readme.matchAll(/sudo install -m \d+ (examples\/\S+)/g))
      expect(existsSync(join(REPO_ROOT, match[1] ?? "")), match[1]).toBe(true);
  });
});
