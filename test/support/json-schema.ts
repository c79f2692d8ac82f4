/**
 * The JSON Schema of ACL v1 (docs/acl-v1.schema.json), converted from the valibot schema that
 * validates ACLs, so the two cannot drift. Editors and other tools can use it; Wirenix itself
 * validates with the valibot schema and its rules, which check more (see `description`).
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import { AclV1Schema } from "../../src/acl/v1/schema.js";

export function aclV1JsonSchemaText(): string {
  // Address and key formats are checked by functions the converter cannot express; the
  // schema keeps their types.
  const schema = toJsonSchema(AclV1Schema, { errorMode: "ignore" });
  return `${JSON.stringify(
    {
      $schema: schema.$schema,
      title: "Wirenix ACL v1",
      description:
        "Types and ranges of an ACL v1 (docs/acl-v1.md). Wirenix checks more than this schema says: address, prefix and key formats, that names are unique and that references name something that exists. Unknown keys are allowed (Wirenix warns about them). Keys marked 'Not in the original' are Wirenix's own (docs/beyond-the-original.md); the original ignores them.",
      ...schema,
    },
    null,
    2,
  )}\n`;
}
