// Hourly use of the old and the new token of a rotation over the last 24 hours (the tokens'
// hourly_usage), drawn as paired bars, with the totals in text for screen readers and tests.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Token } from "../../../gen/tessera/identity/v1/token_pb.ts";

const hourMs = 3_600_000;
const width = 720;
const height = 160;

/** Uses in the last 24 hours. */
export const usesToday = (token: Token) => token.hourlyUsage.reduce((sum, h) => sum + Number(h.count), 0);

function perHour(token: Token, hours: number[]): number[] {
  const counts = new Map(token.hourlyUsage.map((h) => [timestampDate(h.hour!).getTime(), Number(h.count)]));
  return hours.map((hour) => counts.get(hour) ?? 0);
}

export function UsageChart({ old, next }: { old: Token; next: Token }) {
  const now = Math.floor(Date.now() / hourMs) * hourMs;
  const hours = Array.from({ length: 24 }, (_, i) => now - (23 - i) * hourMs);
  const oldUse = perHour(old, hours);
  const newUse = perHour(next, hours);
  const top = Math.max(1, ...oldUse, ...newUse);
  const slot = width / 24;
  const bar = (slot - 4) / 2;
  const y = (n: number) => height - 20 - (n / top) * (height - 30);
  const name = (t: Token) => t.label || `…${t.hint}`;
  const titleId = `rotation-${old.id}`;
  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption id={titleId}>
        Traffic during rotation: old token <strong>{name(old)}</strong> (…{old.hint}) {usesToday(old)} uses, new token{" "}
        <strong>{name(next)}</strong> (…{next.hint}) {usesToday(next)} uses in the last 24 h
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Hourly uses: old token ${usesToday(old)}, new token ${usesToday(next)}`}>
        <line x1={0} x2={width} y1={height - 20} y2={height - 20} className="axis" />
        {hours.map((hour, i) => (
          <g key={hour}>
            <rect className="old" x={i * slot + 2} width={bar} y={y(oldUse[i]!)} height={height - 20 - y(oldUse[i]!)}>
              <title>{`${new Date(hour).getHours()}:00 old token: ${oldUse[i]}`}</title>
            </rect>
            <rect className="new" x={i * slot + 2 + bar} width={bar} y={y(newUse[i]!)} height={height - 20 - y(newUse[i]!)}>
              <title>{`${new Date(hour).getHours()}:00 new token: ${newUse[i]}`}</title>
            </rect>
            {i % 3 === 0 ? (
              <text x={i * slot + 2} y={height - 5} className="tick">
                {`${new Date(hour).getHours()}:00`}
              </text>
            ) : null}
          </g>
        ))}
      </svg>
      <p className="legend">
        <span className="swatch old" aria-hidden="true" /> old token <span className="swatch new" aria-hidden="true" /> new token
      </p>
    </figure>
  );
}
