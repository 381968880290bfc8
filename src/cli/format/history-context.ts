/** docker's image history formatter (cli/command/formatter/history.go). */
import { GO_TYPE } from '../../lib/gotemplate/index.js';
import type { HistoryResponseItem } from '../../spec/engine/types.js';
import { ellipsis, FormatContext, QUIET_FORMAT, TABLE_FORMAT_KEY, truncateID } from './formatter.js';
import { goRFC3339, humanSizeWithPrecision, timeAgo } from './units.js';

const DEFAULT_HISTORY_TABLE_FORMAT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const NON_HUMAN_HISTORY_TABLE_FORMAT = 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export const HISTORY_HEADER: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** docker's NewHistoryFormat. */
export function historyFormat(source: string, quiet: boolean, human: boolean): string {
  if (source !== TABLE_FORMAT_KEY) return source;
  if (quiet) return QUIET_FORMAT;
  return human ? DEFAULT_HISTORY_TABLE_FORMAT : NON_HUMAN_HISTORY_TABLE_FORMAT;
}

const FIELDS = ['Comment', 'CreatedAt', 'CreatedBy', 'CreatedSince', 'ID', 'Size'];

/** One layer of an image's history. */
export class HistoryContext extends FormatContext {
  readonly [GO_TYPE] = '*formatter.historyContext';

  constructor(
    private readonly h: HistoryResponseItem,
    private readonly opts: { trunc: boolean; human: boolean },
  ) {
    super();
  }

  protected fields() {
    return FIELDS;
  }
  get ID() {
    return this.opts.trunc ? truncateID(this.h.Id) : this.h.Id;
  }
  get CreatedAt() {
    return goRFC3339(this.h.Created);
  }
  get CreatedSince() {
    return this.opts.human ? timeAgo(this.h.Created) : this.CreatedAt;
  }
  get CreatedBy() {
    const by = this.h.CreatedBy.replaceAll('\t', ' ');
    return this.opts.trunc ? ellipsis(by, 45) : by;
  }
  get Size() {
    return this.opts.human ? humanSizeWithPrecision(this.h.Size, 3) : String(this.h.Size);
  }
  get Comment() {
    return this.h.Comment;
  }
}
