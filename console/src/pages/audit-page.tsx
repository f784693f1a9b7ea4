// The audit log: filters by actor, action, target and time, and the events as a timeline.
import { timestampFromDate, timestampDate } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { ErrorNote } from "../errors.tsx";
import { AuditService, ServiceAccountService } from "../methods.ts";

const day = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

export function AuditPage() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [target, setTarget] = useState("");
  const [since, setSince] = useState("");
  const accounts = useQuery(ServiceAccountService.method.listServiceAccounts, { pageSize: 200 });
  const events = useQuery(AuditService.method.listAuditEvents, {
    pageSize: 200,
    actorAccountId: actor,
    action: action.trim(),
    target: target.trim(),
    startTime: since ? timestampFromDate(new Date(since)) : undefined,
  });
  let lastDay = "";
  return (
    <>
      <h1>Audit log</h1>
      <search className="filters" aria-label="Filter audit events">
        <div className="field">
          <label htmlFor="filter-actor">Actor</label>
          <select id="filter-actor" value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">Anyone</option>
            {accounts.data?.serviceAccounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <label>
          Action
          <input value={action} onChange={(e) => setAction(e.target.value)} placeholder="token.revoke" />
        </label>
        <label>
          Target
          <input value={target} onChange={(e) => setTarget(e.target.value)} />
        </label>
        <label>
          Since
          <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
        </label>
      </search>
      <ErrorNote error={events.error} />
      <ol className="timeline" aria-label="Audit events, newest first">
        {events.data?.events.map((event) => {
          const at = timestampDate(event.time!);
          const heading = day.format(at);
          const newDay = heading !== lastDay;
          lastDay = heading;
          return (
            <li key={event.id} className={event.outcome === "ok" ? "ok" : "failed"}>
              {newDay ? <h2 className="day">{heading}</h2> : null}
              <p>
                <time dateTime={at.toISOString()}>{time.format(at)}</time> <strong>{event.action}</strong> {event.target} —{" "}
                {event.outcome}
                {event.reason ? ` (${event.reason})` : ""}
              </p>
              <p className="help">
                by {event.actor?.accountName ?? "unknown"}
                {event.delegate ? ` via ${event.delegate.accountName}` : ""} on {event.channel} from {event.peer}
                {event.detail ? ` · ${event.detail}` : ""}
              </p>
            </li>
          );
        })}
      </ol>
      {events.data?.events.length === 0 ? <p>No events match.</p> : null}
    </>
  );
}
