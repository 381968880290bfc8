/** dockerd's argv for a private daemon living in `dir` and answering on `socketPath`. */
export function privateDockerdArgs(dir: string, socketPath: string): string[];
