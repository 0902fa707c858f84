/** Entry of the ci-trust project: the stack output `githubVariables` lists what each GitHub Environment needs. */
import { ciTrustProgram } from "./program";

export const githubVariables = ciTrustProgram().githubVariables;
