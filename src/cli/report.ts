export function reportCommand(): never { throw new Error("todo"); }
