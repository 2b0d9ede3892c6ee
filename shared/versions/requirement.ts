/**
 * Version requirements as Elixir 1.14's Version.Parser reads them (`>= 1.3.0 and < 1.3.2 or ~> 2.0`),
 * and GitHub advisory ranges (`>= 1.3.0, < 1.3.2 || >= 2.0.0, < 2.0.1`), both read into one list of
 * clauses: an operator, its operand, and how it joins the clause before it. `and` binds tighter
 * than `or`, as Elixir evaluates it.
 */

export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | '~>';
export type Connective = 'and' | 'or';

export interface Clause {
  /** How the clause joins the one before; absent on the first. */
  connective?: Connective;
  operator: Operator;
  operand: string;
}

type Token = Operator | Connective | { text: string };

/** Tried in this order at each position, as Elixir's lexer does. */
const lexemes: [string, Operator | Connective][] = [
  ['>=', '>='],
  ['<=', '<='],
  ['~>', '~>'],
  ['>', '>'],
  ['<', '<'],
  ['==', '=='],
  [' or ', 'or'],
  [' and ', 'and'],
  ['!=', '!='],
  ['!', '!='],
];

const isConnective = (token: Token | undefined): boolean => token === 'and' || token === 'or';

/** Elixir's lexer: a version that follows no operator is compared with ==. */
function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer === '') return;
    const last = tokens[tokens.length - 1];
    if (!(typeof last === 'string' && !isConnective(last))) tokens.push('==');
    tokens.push({ text: buffer });
    buffer = '';
  };
  let position = 0;
  outer: while (position < text.length) {
    for (const [lexeme, token] of lexemes) {
      if (text.startsWith(lexeme, position)) {
        flush();
        tokens.push(token);
        position += lexeme.length;
        continue outer;
      }
    }
    if (text[position] === ' ') flush();
    else buffer += text[position];
    position++;
  }
  flush();
  return tokens;
}

/** The clauses of an Elixir requirement, or undefined where Version.parse_requirement/1 answers :error. */
export function parseElixirRequirement(text: string): Clause[] | undefined {
  const tokens = lex(text);
  const clauses: Clause[] = [];
  // Read as Elixir does: pairs of operator and version, joined by and/or, nothing else.
  for (let index = 0; index < tokens.length; ) {
    const connective = index === 0 ? undefined : tokens[index];
    if (index > 0 && !isConnective(connective)) return undefined;
    const operator = tokens[index === 0 ? index : index + 1];
    const operand = tokens[index === 0 ? index + 1 : index + 2];
    if (typeof operator !== 'string' || typeof operand !== 'object') return undefined;
    clauses.push({
      ...(connective ? { connective: connective as Connective } : {}),
      operator: operator as Operator,
      operand: operand.text,
    });
    index += index === 0 ? 2 : 3;
  }
  return clauses.length > 0 ? clauses : undefined;
}

const rangeTerm = /^(>=|<=|>|<|==|=|!=)?\s*([0-9A-Za-z.+-]+)$/;

/** The clauses of a GitHub advisory range, or undefined when it is not one. */
export function parseRange(text: string): Clause[] | undefined {
  const clauses: Clause[] = [];
  const groups = text.split('||');
  for (const [groupIndex, group] of groups.entries()) {
    for (const [termIndex, term] of group.split(',').entries()) {
      const match = rangeTerm.exec(term.trim());
      if (!match) return undefined;
      const operator = (match[1] === '=' || match[1] === undefined ? '==' : match[1]) as Operator;
      const connective: Connective | undefined = termIndex > 0 ? 'and' : groupIndex > 0 ? 'or' : undefined;
      clauses.push({ ...(connective ? { connective } : {}), operator, operand: match[2]! });
    }
  }
  return clauses;
}
