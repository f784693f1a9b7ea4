// What the no-op servers answer: an identity the size of a real Verify answer.
export const constantIdentity = {
  principal: { org: "bench", accountId: "sa_000000000000000000000001", accountName: "bench-bot" },
  tokenId: "tok_000000000000000000000001",
  roles: ["viewer"],
  grants: [{ permission: "accounts.read", allEnvironments: true }],
  permissions: ["accounts.read"],
  allEnvironments: true,
};
