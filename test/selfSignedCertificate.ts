/**
 * A real self-signed certificate made with openssl, for tests whose config validation parses the
 * certificate (CA flag, lifetime) rather than taking any PEM-shaped text.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export function selfSignedCertificate(days: number, ca: boolean, commonName = "test intermediate"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-cert-"));
  try {
    const out = path.join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        out,
        "-days",
        String(days),
        "-subj",
        `/CN=${commonName}`,
        "-addext",
        `basicConstraints=critical,CA:${ca ? "TRUE" : "FALSE"}`,
      ],
      { stdio: "ignore" },
    );
    return fs.readFileSync(out, "utf8");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
