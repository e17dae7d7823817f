/** The published test vectors' files (test/vectors/, from spec/apiv3-protocol.md §8), read once for the suites that use them. */
import { readFileSync } from "node:fs"

/** A file under test/vectors/, as text. */
export const fixture = (name: string): string => readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")

/** The keys and certificates the vectors name (K-go, C-go-F576, C-go-D7CE, K-java-mch, K-java-wxp). */
export const vectorKeys = {
  kGo: fixture("k-go.private.pem"),
  cGoF576: fixture("c-go-F576.cert.pem"),
  cGoD7CE: fixture("c-go-D7CE.cert.pem"),
  kJavaMch: fixture("k-java-mch.private.pem"),
  kJavaMchCert: fixture("k-java-mch.cert.pem"),
  kJavaWxpPublic: fixture("k-java-wxp.public.pem"),
  kJavaWxpCert: fixture("k-java-wxp.cert.pem")
} as const
