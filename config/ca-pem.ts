/**
 * What a CA certificate field of the site may hold: one or more PEM certificates, each a CA (basic
 * constraints CA:TRUE), and never a private key. Parsed with node:crypto, not matched by shape: a PEM that
 * looks right but does not parse would only fail on the node, as x509 errors in every Vault agent.
 */
import { X509Certificate } from 'node:crypto';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n-----END \1-----/g;

/** Why `pem` is not a usable CA bundle, or undefined when it is. Never quotes key material. */
export function caPemProblem(pem: string): string | undefined {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    return 'a CA certificate, not a private key (remove the key from the site file and keep it off the repository)';
  }
  const blocks = [...pem.matchAll(BLOCK)];
  if (blocks.length === 0) return 'a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)';
  const rest = pem.replace(BLOCK, '').trim();
  if (rest !== '') return 'only PEM certificate blocks (found text outside -----BEGIN/END CERTIFICATE-----)';
  for (const [i, m] of blocks.entries()) {
    if (m[1] !== 'CERTIFICATE') return `PEM certificate blocks only (block ${i + 1} is "${m[1]}")`;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(m[0]);
    } catch (e) {
      return `a parseable X.509 certificate (block ${i + 1}: ${(e as Error).message})`;
    }
    if (!cert.ca)
      return `a CA certificate (block ${i + 1}, "${cert.subject.replace(/\n/g, ', ')}", has no basicConstraints CA:TRUE: give the CA that signed the server certificate, not the server certificate)`;
  }
  return undefined;
}
