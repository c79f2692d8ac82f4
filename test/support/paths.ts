/** Paths the tests share: the repository root (tests run from dist/) and the fixtures. */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const fixtures = join(repoRoot, "test", "fixtures");
export const wirenixBin = join(repoRoot, "bin", "wirenix.js");
