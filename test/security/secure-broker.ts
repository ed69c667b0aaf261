// A certificate authority, server and client certificates made with openssl in a temp dir, and a
// mosquitto that requires them: a TLS listener that demands a client certificate signed by the CA,
// a plain listener, and a password for every client on both (mosquitto_passwd).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/broker.js";
import { waitUntil } from "../helpers/wait.js";

export interface Pki {
  readonly dir: string;
  readonly ca: string;
  /** A CA that signed nothing the broker uses. */
  readonly otherCa: string;
  readonly clientCert: string;
  /** Encrypted with `clientKeyPassphrase`. */
  readonly clientKey: string;
  readonly clientKeyPassphrase: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  ]);
}

function signed(dir: string, name: string, cn: string, extensions: string, passphrase: string | null): void {
  const keyArgs = passphrase === null ? ["-nodes"] : ["-passout", `pass:${passphrase}`];
  openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    ...keyArgs,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
  ]);
  writeFileSync(join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "upslink-pki-"));
  makeCa(dir, "ca");
  makeCa(dir, "other-ca");
  signed(dir, "server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost", null);
  const clientKeyPassphrase = `phrase-${Math.random().toString(36).slice(2)}`;
  signed(dir, "client", "upslink2mqtt", "extendedKeyUsage=clientAuth", clientKeyPassphrase);
  return {
    dir,
    ca: join(dir, "ca.crt"),
    otherCa: join(dir, "other-ca.crt"),
    clientCert: join(dir, "client.crt"),
    clientKey: join(dir, "client.key"),
    clientKeyPassphrase,
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
  };
}

export interface SecureBroker {
  readonly tlsUrl: string;
  readonly plainUrl: string;
  /** mosquitto's log so far (every connection attempt and why it failed). */
  log(): string;
  stop(): Promise<void>;
}

export async function startSecureBroker(
  pki: Pki,
  users: Readonly<Record<string, string>>,
): Promise<SecureBroker> {
  const tlsPort = await freePort();
  const plainPort = await freePort();
  const passwd = join(pki.dir, "passwd");
  writeFileSync(passwd, "");
  for (const [user, password] of Object.entries(users))
    execFileSync("mosquitto_passwd", ["-b", passwd, user, password], { stdio: "pipe" });
  const config = join(pki.dir, "mosquitto.conf");
  writeFileSync(
    config,
    [
      // Root must not drop to the mosquitto user: it could not read the 0700 temp dir.
      "user root",
      "persistence false",
      "allow_anonymous false",
      `password_file ${passwd}`,
      "log_dest stderr",
      "log_type all",
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${pki.ca}`,
      `certfile ${pki.serverCert}`,
      `keyfile ${pki.serverKey}`,
      "require_certificate true",
      `listener ${plainPort} 127.0.0.1`,
      "",
    ].join("\n"),
  );
  let log = "";
  const child: ChildProcess = spawn("/usr/sbin/mosquitto", ["-c", config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  await waitUntil(
    "mosquitto to listen on both ports",
    () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${log}`);
      return log.includes(`port ${plainPort}`) && log.includes(`port ${tlsPort}`);
    },
    { intervalMs: 50, context: () => log },
  );
  return {
    tlsUrl: `mqtts://127.0.0.1:${tlsPort}`,
    plainUrl: `mqtt://127.0.0.1:${plainPort}`,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        });
      }
      rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}
