// A small TypeScript lexer for the architecture tests: it finds the string literals and identifiers
// of a source file, skipping comments, and reads a template's text apart from its `${...}` parts.
// It needs no compiler (TypeScript 7 ships no JavaScript API) and is strict: anything it cannot
// close (a string, a comment, a template) is an error, so a scan cannot silently go blind.

export interface Token {
  readonly kind: "string" | "identifier";
  readonly text: string;
  readonly line: number;
  /** For an identifier: the token before it is `.` or `?.` (a property access). */
  readonly member: boolean;
  /** For an identifier: the next significant character is `:` (an object key or a label). */
  readonly key: boolean;
}

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
// After these a `/` starts a regular expression, not a division.
const REGEX_AFTER_PUNCT = new Set([
  "(",
  ",",
  "=",
  ":",
  "[",
  "!",
  "&",
  "|",
  "?",
  "{",
  "}",
  ";",
  "+",
  "-",
  "*",
  "%",
  "<",
  ">",
  "~",
  "^",
]);
const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

export function tokens(source: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  // The last significant token: a punctuation character, or "w:<word>", or "v" (a value).
  let last = "";
  // Open braces: "code" for a block or object, "template" for a `${` inside a template.
  const braces: ("code" | "template")[] = [];

  const fail = (what: string): never => {
    throw new Error(`unterminated ${what} at line ${line}`);
  };
  const nextSignificant = (from: number): string => {
    let j = from;
    while (j < source.length) {
      const c = source[j] ?? "";
      if (/\s/.test(c)) j++;
      else if (source.startsWith("//", j))
        j = source.indexOf("\n", j) === -1 ? source.length : source.indexOf("\n", j);
      else if (source.startsWith("/*", j))
        j = source.indexOf("*/", j + 2) === -1 ? source.length : source.indexOf("*/", j + 2) + 2;
      else return c;
    }
    return "";
  };

  // Reads template text from i (just after ` or }) to the closing ` or a `${`.
  const templateText = (): void => {
    let text = "";
    const startLine = line;
    while (true) {
      const c = source[i];
      if (c === undefined) fail("template");
      if (c === "\\") {
        text += source.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === "\n") line++;
      if (c === "`") {
        i++;
        out.push({ kind: "string", text, line: startLine, member: false, key: false });
        last = "v";
        return;
      }
      if (c === "$" && source[i + 1] === "{") {
        i += 2;
        out.push({ kind: "string", text, line: startLine, member: false, key: false });
        braces.push("template");
        last = "{";
        return;
      }
      text += c;
      i++;
    }
  };

  while (i < source.length) {
    const c = source[i] ?? "";
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (source.startsWith("//", i)) {
      const end = source.indexOf("\n", i);
      i = end === -1 ? source.length : end;
      continue;
    }
    if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      if (end === -1) fail("comment");
      line += (source.slice(i, end).match(/\n/g) ?? []).length;
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = "";
      while (source[j] !== c) {
        if (source[j] === undefined || source[j] === "\n") fail("string");
        if (source[j] === "\\") {
          text += source.slice(j, j + 2);
          j += 2;
        } else {
          text += source[j];
          j++;
        }
      }
      out.push({ kind: "string", text, line, member: false, key: nextSignificant(j + 1) === ":" });
      i = j + 1;
      last = "v";
      continue;
    }
    if (c === "`") {
      i++;
      templateText();
      continue;
    }
    if (c === "{") {
      braces.push("code");
      last = "{";
      i++;
      continue;
    }
    if (c === "}") {
      const open = braces.pop();
      i++;
      if (open === "template") templateText();
      else last = "}";
      continue;
    }
    if (c === "/") {
      const word = last.startsWith("w:") ? last.slice(2) : null;
      const regex =
        last === "" || REGEX_AFTER_PUNCT.has(last) || (word !== null && REGEX_AFTER_WORD.has(word));
      if (regex) {
        let j = i + 1;
        let inClass = false;
        while (true) {
          const d = source[j];
          if (d === undefined || d === "\n") fail("regular expression");
          if (d === "\\") j += 2;
          else {
            if (d === "[") inClass = true;
            else if (d === "]") inClass = false;
            else if (d === "/" && !inClass) break;
            j++;
          }
        }
        j++;
        while (IDENT_PART.test(source[j] ?? "")) j++;
        i = j;
        last = "v";
        continue;
      }
      i++;
      last = "/";
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i;
      while (IDENT_PART.test(source[j] ?? "")) j++;
      const text = source.slice(i, j);
      const member = last === ".";
      out.push({ kind: "identifier", text, line, member, key: !member && nextSignificant(j) === ":" });
      i = j;
      last = `w:${text}`;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i;
      while (/[0-9A-Za-z_.]/.test(source[j] ?? "")) j++;
      i = j;
      last = "v";
      continue;
    }
    // `?.` is a member access too; a `)` or `]` ends a value, after which `/` divides.
    if (c === "?" && source[i + 1] === ".") {
      i += 2;
      last = ".";
      continue;
    }
    last = c === ")" || c === "]" ? "v" : c;
    i++;
  }
  if (braces.length > 0) fail("brace");
  return out;
}
