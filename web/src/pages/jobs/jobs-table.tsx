/** The jobs table: one memoised row per job, sortable headers, a selected row for the keyboard. */
import { memo } from 'react';
import type { Job } from '../../api/http.ts';
import { ProgressBar, RelTime, StateBadge } from '../../components/bits.tsx';
import { JobActions, priorityClassOf, type JobCommands } from '../../components/job-actions.tsx';
import { formatSlots, formatValue } from '../../lib/format.ts';
import type { SortKey, SortOrder } from '../../lib/job-filter.ts';
import { Link, navigate } from '../../router.tsx';
import { lossOf, type Latest } from './use-jobs.ts';

interface Props {
  readonly jobs: readonly Job[];
  readonly latest: ReadonlyMap<number, Latest>;
  readonly order: SortOrder;
  readonly onSort: (key: SortKey) => void;
  readonly selected: number | null;
  readonly onSelect: (id: number) => void;
  readonly picked: ReadonlySet<number>;
  readonly onPick: (id: number) => void;
  readonly commands: JobCommands;
  readonly showPriority: boolean;
  readonly showActions: boolean;
  readonly now: number;
}

const COLUMNS: ReadonlyArray<[SortKey | null, string, string]> = [
  ['id', 'ID', 'num'],
  ['name', 'Name', ''],
  ['state', 'State', ''],
  ['progress', 'Progress', 'wide'],
  ['loss', 'Loss', 'num'],
  [null, 'Slots', ''],
  ['age', 'Age', ''],
];

export function JobsTable(props: Props) {
  const { order, onSort } = props;
  return (
    <div className="table-wrap">
      <table className="jobs-table" data-testid="jobs-table">
        <thead>
          <tr>
            <th className="pick" aria-label="Pick for compare" />
            {COLUMNS.slice(0, 3).map((c) => <Header key={c[1]} column={c} order={order} onSort={onSort} />)}
            {props.showPriority && <th>Priority</th>}
            {COLUMNS.slice(3).map((c) => <Header key={c[1]} column={c} order={order} onSort={onSort} />)}
            {props.showActions && <th className="actions-col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {props.jobs.map((job) => (
            <Row key={job.id} job={job} latest={props.latest.get(job.id)} selected={props.selected === job.id} picked={props.picked.has(job.id)}
              onSelect={props.onSelect} onPick={props.onPick} commands={props.commands} showPriority={props.showPriority}
              showActions={props.showActions} now={props.now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Header({ column: [key, label, cls], order, onSort }: { column: readonly [SortKey | null, string, string]; order: SortOrder; onSort: (k: SortKey) => void }) {
  if (!key) return <th className={cls}>{label}</th>;
  const active = order.key === key;
  return (
    <th className={cls} aria-sort={active ? (order.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => onSort(key)}>
        {label}{active ? (order.descending ? ' ▾' : ' ▴') : ''}
      </button>
    </th>
  );
}

interface RowProps {
  readonly job: Job;
  readonly latest: Latest | undefined;
  readonly selected: boolean;
  readonly picked: boolean;
  readonly onSelect: (id: number) => void;
  readonly onPick: (id: number) => void;
  readonly commands: JobCommands;
  readonly showPriority: boolean;
  readonly showActions: boolean;
  readonly now: number;
}

const Row = memo(function Row({ job, latest, selected, picked, onSelect, onPick, commands, showPriority, showActions, now }: RowProps) {
  const loss = lossOf(latest);
  return (
    <tr className={selected ? 'selected' : ''} data-job-id={job.id} aria-selected={selected}
      onClick={() => onSelect(job.id)} onDoubleClick={() => navigate(`/jobs/${job.id}`)}>
      <td className="pick"><input type="checkbox" checked={picked} onChange={() => onPick(job.id)} aria-label={`Pick job ${job.id} for compare`} onClick={(e) => e.stopPropagation()} /></td>
      <td className="num muted">{job.id}</td>
      <td className="name">
        <Link to={`/jobs/${job.id}`}>{job.name}</Link>
        {job.spec.tags.map((t) => <span key={t} className="tag">{t}</span>)}
      </td>
      <td><StateBadge state={job.state} /></td>
      {showPriority && <td>{priorityClassOf(job) ?? '–'}</td>}
      <td className="wide">
        <ProgressBar progress={job.progress} state={job.state} compact />
        {job.progress.message && <div className="status-message muted" title={job.progress.message} data-testid="status-message">{job.progress.message}</div>}
      </td>
      <td className="num" title={loss ? `${loss.key} at step ${latest?.[loss.key]?.step}` : undefined} data-testid="loss">{loss ? formatValue(loss.value) : '–'}</td>
      <td>{formatSlots(job.spec.resources)}</td>
      <td><RelTime time={job.createdAt} now={now} /></td>
      {showActions && <td className="actions-col"><JobActions job={job} commands={commands} /></td>}
    </tr>
  );
});
