/**
 * Which chart a Helm Release installs. The platform's Releases name a vendored archive
 * (`../charts/vendor/<chart>-<version>.tgz`), while a Release may also name a chart of a
 * repository directly; rules that look for "the OpenBao release" must recognise both.
 */
import * as path from "path";

/** The version in a Helm archive name: `<chart>-<version>.tgz` (chart names may contain dashes). */
export function archiveVersion(file: string): string | undefined {
  return /-(v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\.tgz$/.exec(file)?.[1];
}

/** The chart name of a Release's `chart` input: the name itself, or the archive's name without its version. */
export function chartNameOf(chart: unknown): string | undefined {
  if (typeof chart !== "string" || chart === "") return undefined;
  if (!chart.endsWith(".tgz")) return chart;
  const file = path.posix.basename(chart.split(path.sep).join("/"));
  const version = archiveVersion(file);
  return version === undefined ? file.slice(0, -".tgz".length) : file.slice(0, -`-${version}.tgz`.length);
}
