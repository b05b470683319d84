/**
 * Trust decisions shared by every TLS client the stack configures (Vault agents and the injector, Argo CD's
 * repo-server): whether a host can have a publicly trusted certificate, and the example site's CA.
 */
import { isIP } from 'node:net';

/**
 * Top-level names that public CAs never issue for (RFC 6762 .local, RFC 8375 home.arpa, ICANN's reserved
 * .internal, and the de-facto homelab suffixes), so a server there has a private-CA certificate.
 */
const PRIVATE_SUFFIXES = ['lan', 'local', 'home.arpa', 'internal', 'localdomain', 'home', 'corp', 'intranet', 'private', 'test', 'example', 'invalid', 'localhost'];

/** True when no public CA can have issued the host's certificate: private names and IP literals. */
export function needsPrivateCa(hostname: string): boolean {
  const h = hostname
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[|\]$/g, '');
  if (isIP(h) !== 0) return true;
  return PRIVATE_SUFFIXES.some((s) => h === s || h.endsWith(`.${s}`));
}

/**
 * The example site's CA (public certificate only; its key was destroyed when it was made). It is the default
 * only while the fields it belongs to keep their example values (vault.address, git.repoURL): a site with its
 * own Vault or git server must give its own CA. DAY0's first Vault step checks the real server against it.
 * Made with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 3650
 *   -subj "/O=Domus Digitalis example site/OU=replace with your own CA/CN=Domus example CA"
 */
export const EXAMPLE_CA_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIICLzCCAdWgAwIBAgIUGA3fwylfr4Ki2qBF5WyPQTSqIWUwCgYIKoZIzj0EAwIw',
  'ZTElMCMGA1UECgwcRG9tdXMgRGlnaXRhbGlzIGV4YW1wbGUgc2l0ZTEhMB8GA1UE',
  'CwwYcmVwbGFjZSB3aXRoIHlvdXIgb3duIENBMRkwFwYDVQQDDBBEb211cyBleGFt',
  'cGxlIENBMB4XDTI2MTEzMDA0MDc1NVoXDTM2MTEyNzA0MDc1NVowZTElMCMGA1UE',
  'CgwcRG9tdXMgRGlnaXRhbGlzIGV4YW1wbGUgc2l0ZTEhMB8GA1UECwwYcmVwbGFj',
  'ZSB3aXRoIHlvdXIgb3duIENBMRkwFwYDVQQDDBBEb211cyBleGFtcGxlIENBMFkw',
  'EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEjFuxvFbi09IfApKU+3pWQuNeYr9o9LTm',
  '4lmkesGkRxmdzuEAYvhrV/SC+FJtRNCmNB/X8NusB1zHyQpRsZAR0qNjMGEwHQYD',
  'VR0OBBYEFLb14x2AJyi5HjRIPWgDC00wtP/UMB8GA1UdIwQYMBaAFLb14x2AJyi5',
  'HjRIPWgDC00wtP/UMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoG',
  'CCqGSM49BAMCA0gAMEUCIQCwYyAaTBR6kbXi/5XbI8fvgaTPZR7caHfUs+ebcyOi',
  'RQIgHLV2MOj2+Pumf0K76bgmJRTBfcDBCP8HR915eQaPCaM=',
  '-----END CERTIFICATE-----',
  '',
].join('\n');
