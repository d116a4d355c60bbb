/** The job's params (flattened) and the parts of its spec people check first. */
import type { Job } from '../../api/http.ts';
import { Section } from '../../components/bits.tsx';
import { formatDuration, formatSlots } from '../../lib/format.ts';
import { flattenParams } from '../../lib/params-diff.ts';
import { Link } from '../../router.tsx';

/** `chat-sft@3` → a link to that version; a bare name → the dataset. */
function datasetLink(ref: string) {
  const at = ref.lastIndexOf('@');
  const name = at > 0 ? ref.slice(0, at) : ref;
  const version = at > 0 ? ref.slice(at + 1) : null;
  return <Link to={`/datasets/${encodeURIComponent(name)}${version ? `/${encodeURIComponent(version)}` : ''}`}>{ref}</Link>;
}

export function Params({ job }: { job: Job }) {
  const params = Object.entries(flattenParams(job.spec.params as Record<string, unknown>));
  const spec = job.spec;
  // Pinned `name@version` per role, when the job names datasets (datasets issue).
  const datasets = Object.entries((spec as { datasets?: Record<string, string> }).datasets ?? {});
  const facts: Array<[string, string]> = [
    ['command', Array.isArray(spec.command) ? spec.command.join(' ') : String(spec.command)],
    ['cwd', spec.cwd],
    ['slots', formatSlots(spec.resources)],
    ['retries', `up to ${spec.maxRetries}`],
    ['keep checkpoints', spec.keepCheckpoints === 0 ? 'all' : String(spec.keepCheckpoints)],
    ['stop grace', formatDuration(spec.stopGraceSeconds)],
  ];
  return (
    <Section id="params" title="Params">
      {params.length === 0 && <p className="muted">No params.</p>}
      {params.length > 0 && (
        <table className="kv"><tbody>{params.map(([k, v]) => <tr key={k}><th>{k}</th><td className="mono">{v}</td></tr>)}</tbody></table>
      )}
      {datasets.length > 0 && (
        <>
          <h3 className="sub">Datasets</h3>
          <table className="kv"><tbody>{datasets.map(([role, ref]) => (
            <tr key={role}><th>{role}</th><td className="mono">{datasetLink(ref)}</td></tr>
          ))}</tbody></table>
        </>
      )}
      <h3 className="sub">Spec</h3>
      <table className="kv"><tbody>{facts.map(([k, v]) => <tr key={k}><th>{k}</th><td className="mono">{v}</td></tr>)}</tbody></table>
    </Section>
  );
}
