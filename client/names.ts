// The shapes of the names the API takes: accounts, roles, environments, organisations and trust
// policies share one, and a deployment's token prefix has its own.

/** 2-63 lowercase letters, digits or dashes, starting with a letter or digit. */
export const namePattern = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** 2-10 lowercase letters or digits, starting with a letter (e.g. "tsr"). */
export const tokenPrefixPattern = /^[a-z][a-z0-9]{1,9}$/;
