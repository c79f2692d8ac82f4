// Writes docs/acl-v1.schema.json, a JSON Schema of ACL v1 made from the valibot schema that
// validates ACLs (run `npm run build` first). A unit test checks the file is up to date.
import { writeFileSync } from "node:fs";
import { aclV1JsonSchemaText } from "../dist/test/support/json-schema.js";

writeFileSync(new URL("../docs/acl-v1.schema.json", import.meta.url), aclV1JsonSchemaText());
