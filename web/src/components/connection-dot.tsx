/** Whether live updates are flowing: a dot in the top bar. */
import { useEffect, useState } from 'react';
import { useSession } from '../session.tsx';

const LABEL = { open: 'live', connecting: 'connecting…', retrying: 'reconnecting…' } as const;

export function ConnectionDot() {
  const { hub } = useSession();
  const [state, setState] = useState(hub.state);
  useEffect(() => {
    const off = hub.onState(setState);
    setState(hub.state); // it may have changed between the render and this subscription
    return off;
  }, [hub]);
  return (
    <span className={`live live-${state}`} title={`Live updates: ${LABEL[state]}`} data-testid="live-state">
      <span className="dot" /> {LABEL[state]}
    </span>
  );
}
