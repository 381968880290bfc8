/** `wharf search`: search a registry for images (a private registry's catalog, or Docker Hub). */
import type { Command } from 'commander';
import type { ImageSearchResult } from '../../client/distribution-api.js';
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand, filterOption, parseFilters } from '../command-kit.js';
import { ellipsis, FormatContext } from '../format/formatter.js';

interface SearchOptions {
  filter: string[];
  format?: string;
  limit?: string;
  trunc: boolean;
}

/** docker's search table (cli/command/registry/formatter_search.go). */
const DEFAULT_SEARCH_TABLE_FORMAT = 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}';
const SEARCH_HEADER: Record<string, string> = {
  Name: 'NAME',
  Description: 'DESCRIPTION',
  StarCount: 'STARS',
  IsOfficial: 'OFFICIAL',
  IsAutomated: 'AUTOMATED',
};

/** One search result row, with docker's fields as getters. */
class SearchContext extends FormatContext {
  readonly [GO_TYPE] = '*registry.searchContext';

  constructor(
    private readonly r: ImageSearchResult,
    private readonly trunc: boolean,
  ) {
    super();
  }

  protected fields() {
    return ['Description', 'IsAutomated', 'IsOfficial', 'Name', 'StarCount'];
  }
  get Name() {
    return this.r.name;
  }
  get Description() {
    const d = this.r.description.replace(/\n/g, ' ');
    return this.trunc ? ellipsis(d, 45) : d;
  }
  get StarCount() {
    return String(this.r.star_count);
  }
  get IsOfficial() {
    return this.r.is_official ? '[OK]' : '';
  }
  get IsAutomated() {
    return this.r.is_automated ? '[OK]' : '';
  }
}

/** The registry a term searches (dockerd's splitReposSearchTerm): `host/…` when host looks like one. */
function searchDomain(term: string): string {
  const i = term.indexOf('/');
  const first = i < 0 ? '' : term.slice(0, i);
  return i >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

async function runSearch(ctx: CliContext, term: string, opts: SearchOptions): Promise<void> {
  const { renderRows } = await import('../format/formatter.js');
  const { registryAuthFor } = await import('../auth/registry-auth.js');
  const limit = opts.limit === undefined ? 0 : Number(opts.limit);
  const registryAuth = await registryAuthFor(ctx.io.env, searchDomain(term));
  const results = await ctx.client().distribution.search(term, { limit, filters: parseFilters(opts.filter), registryAuth });
  const format = opts.format || DEFAULT_SEARCH_TABLE_FORMAT;
  const rows = results.map((r) => new SearchContext(r, opts.trunc));
  ctx.out(renderRows(format === 'table' ? DEFAULT_SEARCH_TABLE_FORMAT : format, rows, SEARCH_HEADER));
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<SearchOptions>(
    program,
    { name: 'search', usage: '[OPTIONS] TERM', description: 'Search Docker Hub for images', args: { exactly: 1 } },
    (args, opts) => runSearch(ctx, args[0]!, opts),
  )
    .addOption(filterOption('-f, --filter <filter>', 'Filter output based on conditions provided'))
    .option('--format <string>', 'Pretty-print search using a Go template')
    .option('--limit <int>', 'Max number of search results')
    .option('--no-trunc', "Don't truncate output");
}
