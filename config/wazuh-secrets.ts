/**
 * What the Wazuh credentials in Vault KV (`<kvMount>/security/wazuh`) may contain. They live in Vault, not in
 * the site file, so the site schema cannot validate them; the containers' start scripts check each value
 * against these rules before anything reads it, and fail with the key and the rule (never the value).
 *
 * Each rule is the stricter of what Wazuh accepts and what the upstream images' shell scripts survive
 * (conformance/facts/wazuh.ts records where each comes from):
 * - the cluster key is exactly 32 letters or digits (Wazuh's cluster refuses any other key);
 * - the API password follows the Wazuh API policy (8-64 characters, lower, upper, digit and one of
 *   `@$!%*?&-_`); it is written unquoted into the dashboard's wazuh.yml, so it starts with a letter or digit;
 * - the indexer password is written by `sed` into filebeat.yml between single quotes (`|`, `&`, `\`, `'`
 *   would break it); the dashboard password is passed through an unquoted `echo` (no spaces or glob
 *   characters); the authd password is typed into agent install commands.
 * The character classes are POSIX ERE (bash `[[ =~ ]]`) and JavaScript compatible.
 */
export interface WazuhSecret {
  /** KV key. */
  readonly key: string;
  /** The constraint in words, for errors and the runbook. */
  readonly says: string;
  /** POSIX EREs the value must all match. */
  readonly rules: readonly string[];
  /** A value that satisfies the rules (documentation and tests only; never deployed). */
  readonly example: string;
}

const user = (key: string, example: string): WazuhSecret => ({ key, says: '1-64 characters from A-Z a-z 0-9 . _ -', rules: ['^[A-Za-z0-9._-]{1,64}$'], example });
/** A user internal_users.yml defines (the stack renders only admin and kibanaserver, dropping the image's demo users). */
const indexerUser = (key: string, name: string, why: string): WazuhSecret => ({ key, says: `"${name}" (${why})`, rules: [`^${name}$`], example: name });

/**
 * A bcrypt hash as OpenSearch's hash.sh prints it (`$2y$12$` + 53 characters of bcrypt's base64); the security
 * plugin checks passwords with BCrypt (conformance/facts/wazuh.ts).
 */
const bcryptHash = (key: string, of: string): WazuhSecret => ({
  key,
  says: `a bcrypt hash of ${of} as hash.sh prints it: $2a$, $2b$ or $2y$, two cost digits, $, then 53 characters from A-Z a-z 0-9 . /`,
  rules: ['^[$]2[aby][$][0-9]{2}[$][./A-Za-z0-9]{53}$'],
  example: '$2y$12$' + 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0',
});

export const WAZUH_SECRETS = {
  clusterKey: { key: 'cluster_key', says: 'exactly 32 characters from A-Z a-z 0-9 (Wazuh cluster key)', rules: ['^[A-Za-z0-9]{32}$'], example: 'c0ffee00c0ffee00c0ffee00c0ffee00' },
  authdPassword: { key: 'authd_password', says: '16-64 characters from A-Z a-z 0-9 . _ ~ + = @ % -', rules: ['^[A-Za-z0-9._~+=@%-]{16,64}$'], example: 'enroll-with-this-0123' },
  indexerUser: indexerUser('indexer_user', 'admin', 'the indexer user Filebeat and vulnerability detection write as; internal_users.yml defines it with admin_hash'),
  indexerPassword: {
    key: 'indexer_password',
    says: '16-128 characters from A-Z a-z 0-9 . _ ~ + = @ % - (written into filebeat.yml by sed)',
    rules: ['^[A-Za-z0-9._~+=@%-]{16,128}$'],
    example: 'indexer.admin-0123456789',
  },
  apiUser: user('api_user', 'wazuh-wui'),
  apiPassword: {
    key: 'api_password',
    says: '8-64 characters from A-Z a-z 0-9 @ $ ! % * ? & _ -, starting with a letter or digit, with at least one lowercase letter, one uppercase letter, one digit and one symbol (Wazuh API password policy)',
    rules: ['^[A-Za-z0-9][A-Za-z0-9@$!%*?&_-]{7,63}$', '[a-z]', '[A-Z]', '[0-9]', '[@$!%*?&_-]'],
    example: 'Wazuh-Api-2024!',
  },
  dashboardUser: indexerUser('kibanaserver_user', 'kibanaserver', 'the dashboard server user; internal_users.yml defines it with kibanaserver_hash'),
  dashboardPassword: {
    key: 'kibanaserver_password',
    says: '16-128 characters from A-Z a-z 0-9 . _ ~ + = @ % -, starting with a letter or digit (passed through an unquoted echo)',
    rules: ['^[A-Za-z0-9][A-Za-z0-9._~+=@%-]{15,127}$'],
    example: 'dashboard-0123456789',
  },
  // OpenSearch's security plugin stores these as given; a missing or malformed one is written once into the
  // security index (e.g. `hash: null`) and locks the user out, so the indexer's start script refuses it first.
  adminHash: bcryptHash('admin_hash', 'indexer_password'),
  dashboardHash: bcryptHash('kibanaserver_hash', 'kibanaserver_password'),
} as const satisfies Record<string, WazuhSecret>;

/** Whether `value` satisfies every rule of `secret` (the start scripts run the same EREs in bash). */
export function secretOk(secret: WazuhSecret, value: string): boolean {
  return secret.rules.every((r) => new RegExp(r).test(value));
}
