// A throw-away self-signed certificate for localhost (openssl, which CI installs): the TLS tests of
// the MQTT connection and of the NUT server's STARTTLS use one each.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** Writes `cert.pem` and `key.pem` (no passphrase, CN=localhost, SAN 127.0.0.1) into `dir`. */
export function selfSignedCert(dir: string): CertFiles {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "pipe" },
  );
  return { cert, key };
}
