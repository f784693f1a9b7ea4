// How a failed call reads on the page: the server's own message and the field at fault; for
// PERMISSION_DENIED, the server's message, which names the permission the token lacks.
import { Code, ConnectError } from "@connectrpc/connect";
import { describeError, errorDetail } from "../../client/errors.ts";

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const connect = error instanceof ConnectError ? error : undefined;
  const field = connect && errorDetail(connect)?.field;
  const denied = connect?.code === Code.PermissionDenied;
  return (
    <div role="alert" className="error">
      <strong>{denied ? "Missing permission" : "The server refused this"}</strong>
      <p>{denied ? connect!.rawMessage : describeError(error)}</p>
      {field ? (
        <p>
          Field at fault: <code>{field}</code>
        </p>
      ) : null}
    </div>
  );
}
