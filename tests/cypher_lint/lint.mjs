// Lints Cypher statements with Neo4j's own language support (@neo4j-cypher/language-support, pinned in
// package.json / package-lock.json). Driven by tests/test_cypher_lint.py; run alone with
//   echo '[{"name": "q", "text": "MATCH (n) RETURN n"}]' | node tests/cypher_lint/lint.mjs
//
// stdin:  JSON [{"name": "...", "text": "..."}, ...]
// stdout: JSON {"version": "<package version>", "results": [{"name": "...", "diagnostics": [
//           {"severity": "error" | "warning" | "information" | "hint", "message": "...",
//            "line": <0-based line in text>, "character": <0-based column>, "offset": <0-based>}, ...]}, ...]}
// exit:   0 whatever the findings (the caller decides); 2 when the linter itself fails.
//
// Statements are linted as Cypher 5 (Neo4j 5): syntax and Neo4j's semantic analysis, with the severities of
// the Language Server Protocol (1 error, 2 warning, 3 information, 4 hint). Undefined-parameter diagnostics
// are dropped: the store binds its parameters at run time and the linter cannot know them (the package
// reports them with severity Error; its exported isNotParamError filters exactly those).
//
// Function and procedure names are checked against the Neo4j built-ins in the package's bundled catalogue
// (testData.mockSchema, listed from a real server) minus APOC and GDS, which the store must not use.
//
// Two workarounds for 2.0.0-next.38, both found on this project's statements:
// - lintCypherQuery drops all semantic diagnostics of a statement when one of them lacks an end position (its
//   wrapper throws on it and swallows the exception; e.g. an undefined variable in a long rule statement),
//   which shows as an empty symbol table. The semantic analysis is then run directly (the package's internal
//   module, the very instance lintCypherQuery uses) and what lintCypherQuery lost is added.
// - Given a function catalogue that includes duration(), the semantic analysis of the long rule statements
//   reports nothing at all. So lintCypherQuery runs without a catalogue (as the package does when no database
//   is connected) and the function and procedure names the parser collects are checked here, with the
//   package's own messages.
import { readFileSync } from 'node:fs';
import { isNotParamError, lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const PACKAGE_DIR = new URL('./node_modules/@neo4j-cypher/language-support/', import.meta.url);
const INTERNAL = new URL('dist/esm/project/language-support/src/', PACKAGE_DIR);
const { analyzeQuery } = await import(new URL('syntaxValidation/semanticAnalysis.js', INTERNAL).href);
const { createParsingResult } = await import(new URL('cypherLanguageService.js', INTERNAL).href);

const CYPHER_VERSION = 'CYPHER 5';
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const LINT_OPTIONS = { consoleCommandsEnabled: false };
const NOT_PRESENT =
  " is not present in the database. Make sure you didn't misspell it or that it is available when you run " +
  'this statement in your application';

function packageVersion() {
  // The package's "exports" map hides package.json, so read the installed copy.
  try {
    return JSON.parse(readFileSync(new URL('package.json', PACKAGE_DIR), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function neo4jBuiltins() {
  const plugin = (name) => name.startsWith('apoc.') || name.startsWith('gds.');
  const functions = Object.fromEntries(
    Object.entries(testData.mockSchema.functions?.[CYPHER_VERSION] ?? {}).filter(
      ([name, fn]) => fn.isBuiltIn && !plugin(name),
    ),
  );
  const procedures = Object.fromEntries(
    Object.entries(testData.mockSchema.procedures?.[CYPHER_VERSION] ?? {}).filter(([name]) => !plugin(name)),
  );
  if (Object.keys(functions).length === 0) throw new Error('the package no longer ships its function catalogue');
  return { functions, procedures };
}

function fromLint(diagnostics) {
  return diagnostics.map((d) => ({
    severity: SEVERITY[d.severity ?? 1] ?? String(d.severity),
    message: d.message,
    line: d.range.start.line,
    character: d.range.start.character,
    offset: d.offsets?.start,
  }));
}

function semanticAnalysis(text) {
  // Null-safe copy of the package's wrappedSemanticAnalysis; positions are 0-based, relative to text.
  const result = analyzeQuery(text, CYPHER_VERSION);
  const copy = (elements, severity) =>
    Array.from(elements ?? [], (e) => ({
      severity,
      message: e.message,
      line: e.startPosition?.line ?? 0,
      character: e.startPosition?.column ?? 0,
      offset: e.startPosition?.offset,
    }));
  return [...copy(result.errors, 'error'), ...copy(result.notifications, 'warning')];
}

function catalogueErrors(text, { functions, procedures }) {
  // syntaxValidation.ts's errorOnUndeclaredFunctions / errorOnUndeclaredProcedures, on the parser's findings.
  const builtin = new Set(Object.values(functions).map((fn) => fn.name.toLowerCase()));
  const knownFunction = (name) => Boolean(functions[name]) || builtin.has(name.toLowerCase());
  const at = (item, message) => ({
    severity: 'error',
    message,
    line: item.line - 1,
    character: item.column,
    offset: item.offsets?.start,
  });
  const errors = [];
  for (const parsed of createParsingResult(text, LINT_OPTIONS).statementsParsing) {
    for (const fn of parsed.collectedFunctions ?? []) {
      if (!knownFunction(fn.name)) {
        errors.push(
          procedures[fn.name]
            ? at(fn, `${fn.name} is a procedure, not a function. Did you mean to call the procedure ${fn.name} inside a CALL clause?`)
            : at(fn, `Function ${fn.name}${NOT_PRESENT}`),
        );
      }
    }
    for (const proc of parsed.collectedProcedures ?? []) {
      if (!procedures[proc.name]) {
        errors.push(
          knownFunction(proc.name)
            ? at(proc, `${proc.name} is a function, not a procedure. Did you mean to use the function ${proc.name} with a RETURN instead of a CALL clause?`)
            : at(proc, `Procedure ${proc.name}${NOT_PRESENT}`),
        );
      }
    }
  }
  return errors;
}

function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  if (!Array.isArray(input)) throw new Error('expected a JSON array of {name, text}');
  const catalogue = neo4jBuiltins();
  const dbSchema = { defaultLanguage: CYPHER_VERSION };
  const results = input.map(({ name, text }) => {
    const { diagnostics, symbolTables } = lintCypherQuery(text, dbSchema, LINT_OPTIONS);
    const found = [...fromLint(diagnostics), ...catalogueErrors(text, catalogue)];
    const analysed = symbolTables.some((table) => table.length > 0);
    if (!analysed) {
      if (process.env.CYPHER_LINT_DEBUG) process.stderr.write(`direct semantic analysis: ${name}\n`);
      const seen = new Set(found.map((d) => `${d.offset}|${d.message}`));
      for (const d of semanticAnalysis(text)) {
        const key = `${d.offset}|${d.message}`;
        if (!seen.has(key)) {
          seen.add(key);
          found.push(d);
        }
      }
    }
    return { name, diagnostics: found.filter(isNotParamError) };
  });
  process.stdout.write(JSON.stringify({ version: packageVersion(), results }));
}

try {
  main();
} catch (error) {
  process.stderr.write(`cypher lint failed: ${error?.stack ?? error}\n`);
  process.exit(2);
}
