#pragma once
// The `shiplog` command line (docs/reference/cli.md). run_cli() parses argv, runs the
// subcommand and returns the process exit code: 0 ok, 1 operational failure,
// 2 usage error. Errors are printed to stderr as one line.

namespace shiplog::daemon {

int run_cli(int argc, char** argv);

}  // namespace shiplog::daemon
