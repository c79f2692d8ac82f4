/**
 * Finds module-level mutable state in TypeScript source: what a long-running process (an editor
 * plugin, a server calling `generate`) would carry from one run to the next. State belongs in a
 * RunContext passed explicitly; constant tables may stay when their type or value says they
 * cannot change (`ReadonlySet`, `ReadonlyMap`, `readonly T[]`, `Object.freeze`, `as const`).
 * Object literals are definitions (a lint, an editor, default options), not tables that fill
 * up, and are left to review.
 */
import ts from "typescript";

export interface ModuleState {
  line: number;
  name: string;
  why: string;
}

const MUTABLE_CLASSES = new Set(["Map", "Set", "WeakMap", "WeakSet", "Array", "WeakRef"]);
/** Calls that make a function with a table inside. */
const TABLE_MAKERS = new Set(["memoize"]);

function isReadonlyType(type: ts.TypeNode | undefined): boolean {
  if (!type) return false;
  if (ts.isTypeOperatorNode(type)) return type.operator === ts.SyntaxKind.ReadonlyKeyword;
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText();
    return name.startsWith("Readonly");
  }
  return false;
}

function frozenOrConst(init: ts.Expression): boolean {
  if (ts.isAsExpression(init) && init.type.getText() === "const") return true;
  return ts.isCallExpression(init) && init.expression.getText() === "Object.freeze";
}

/** Why a top-level `const` initializer holds something a run could change, if it does. */
function mutableInitializer(init: ts.Expression): string | undefined {
  let inner = init;
  while (ts.isParenthesizedExpression(inner) || ts.isSatisfiesExpression(inner))
    inner = inner.expression;
  if (ts.isNewExpression(inner) && MUTABLE_CLASSES.has(inner.expression.getText()))
    return `a ${inner.expression.getText()}`;
  if (ts.isArrayLiteralExpression(inner)) return "an array";
  if (ts.isCallExpression(inner) && TABLE_MAKERS.has(inner.expression.getText()))
    return `a ${inner.expression.getText()}d function`;
  return undefined;
}

/** The module-level mutable state declared in one file's text. */
export function moduleState(fileName: string, text: string): ModuleState[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: ModuleState[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    for (const declaration of list.declarations) {
      const line = source.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
      const name = declaration.name.getText();
      if (!isConst) {
        found.push({ line, name, why: "a module-level let/var" });
        continue;
      }
      const init = declaration.initializer;
      if (!init || isReadonlyType(declaration.type) || frozenOrConst(init)) continue;
      const why = mutableInitializer(init);
      if (why) found.push({ line, name, why });
    }
  }
  return found;
}
