// Whole-suite secret scan (issue 8): reads every file under the given
// directories (the captured stdout/stderr of every child process the test
// suite started, see tests/support/process.cpp) and fails on any occurrence of
// the suite's secrets (tests/support/test_secrets.hpp) in any form.
// It also fails when there is nothing to scan, so it cannot pass vacuously.
//   shiplog_secret_scan DIR...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/test_secrets.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    const auto needles = shiplog::testing::secrets::needles();
    std::size_t files = 0, bytes = 0, hits = 0;
    for (int i = 1; i < argc; ++i) {
        std::error_code ec;
        if (!fs::is_directory(argv[i], ec)) {
            std::fprintf(stderr,
                         "secret scan: %s is not a directory (no test captured any output)\n",
                         argv[i]);
            return 1;
        }
        for (const auto& entry : fs::recursive_directory_iterator(argv[i])) {
            if (!entry.is_regular_file()) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            ++files;
            bytes += text.size();
            for (const auto& needle : needles) {
                for (auto pos = text.find(needle); pos != std::string::npos;
                     pos = text.find(needle, pos + 1)) {
                    ++hits;
                    auto line_start = text.rfind('\n', pos);
                    line_start = line_start == std::string::npos ? 0 : line_start + 1;
                    auto line_end = text.find('\n', pos);
                    auto line =
                        text.substr(line_start, std::min<std::size_t>(line_end - line_start, 300));
                    // Shows where, not the secret itself.
                    std::string shown = line;
                    for (auto p = shown.find(needle); p != std::string::npos;
                         p = shown.find(needle, p + 1))
                        shown.replace(p, needle.size(), std::string(needle.size(), '*'));
                    std::fprintf(stderr, "secret leaked in %s: %s\n", entry.path().c_str(),
                                 shown.c_str());
                }
            }
        }
    }
    std::printf("secret scan: %zu files, %zu bytes, %zu secret forms, %zu hits\n", files, bytes,
                needles.size(), hits);
    if (files == 0 || bytes == 0) {
        std::fprintf(stderr, "secret scan: nothing captured; the scan would pass vacuously\n");
        return 1;
    }
    return hits == 0 ? 0 : 1;
}
