/**
 * A rule that cannot decide until a preview's unknown values are known: CrossGuard reports it as
 * advisory ("can't run … during preview"), and so does the offline evaluator (./evaluate.ts).
 */
export class NotYetDecidable extends Error {
  /** The property still unknown, where one is named. */
  readonly path?: string;
  constructor(message: string, path?: string) {
    super(message);
    this.path = path;
    this.name = "NotYetDecidable";
  }
}
