/**
 * Command-line parsing for the skiplab commands: Node's own `util.parseArgs`, always strict (unknown options and
 * missing values are errors), with its messages turned into one short `UsageError` line that the commands print
 * above their usage text:
 *
 *   const { values, positionals } = strictly(() => parseArgs({ args: argv, options, allowPositionals: true, strict: true }));
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/** `UsageError` with a one-line message for an error thrown by `util.parseArgs`; other errors pass through. */
export function usageError(e: unknown): Error {
  const err = e as Error & { code?: string };
  const flag = err.message.match(/'(-[^' ]+)/)?.[1] ?? "";
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`Unknown option '${flag}'.`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(`${flag} needs a value.`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(err.message);
    default:
      return err;
  }
}

/** Runs a `util.parseArgs` call, turning its errors into `UsageError`s. */
export function strictly<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw usageError(e);
  }
}
