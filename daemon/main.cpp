// No logic here: the CLI does the work; this is the one place an escaped
// exception becomes a log line and a non-zero exit.
#include <cstdio>
#include <exception>

#include "daemon/cli.hpp"

int main(int argc, char** argv) {
    try {
        return shiplog::daemon::run_cli(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "shiplog: fatal: %s\n", e.what());
        return 1;
    }
}
