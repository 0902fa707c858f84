/**
 * A rule that cannot decide until a preview's unknown values are known: CrossGuard reports it as
 * advisory ("can't run … during preview"), and so does the offline evaluator (./evaluate.ts).
 */
export class NotYetDecidable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotYetDecidable";
  }
}
