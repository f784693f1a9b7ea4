// Header names of the identity API that clients and the service share.

/** In which a delegate (the MCP server) presents the token of the caller it acts for. */
export const subjectTokenHeader = "x-tessera-subject-token";
/** In which a delegate names its caller's address, for throttling and the audit trail. */
export const clientAddressHeader = "x-tessera-client-address";
/** The audience a subject token must allow, when it names audiences. */
export const delegatedAudience = "mcp";
