#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>

#include "common/progress.hpp"
#include "daemon/commands.hpp"
#include "daemon/event_intake.hpp"
#include "runtime/startup.hpp"

namespace shiplog::daemon {
namespace {
constexpr auto k_ingest_commit_timeout = std::chrono::milliseconds{60000};
}

int run_ingest(const std::filesystem::path& config_path, const std::vector<std::string>& files) {
    auto started = start_up(config_path, config::Environment::process(), {});
    if (!started) {
        std::fprintf(stderr, "%s\n", started.error().message.c_str());
        return started.error().exit_code;
    }
    EventIntake& intake = *started->intake;

    bool any_error = false;
    // Many files: a bar on a terminal, one summary line on stderr otherwise.
    std::optional<Progress> progress;
    if (files.size() > 1) progress.emplace("ingest", "files", files.size());
    std::size_t stored = 0, duplicate = 0, ignored = 0, errors = 0, done = 0;
    auto say = [&](const std::string& line) {
        if (progress) progress->clear();
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    };
    for (const auto& file : files) {
        if (progress) progress->update(done);
        ++done;
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            say(file + ": error: cannot read file");
            any_error = true;
            ++errors;
            continue;
        }
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto result = intake.submit(body, storage::EventSource::ingest, k_ingest_commit_timeout);
        if (!result) {
            say(file + ": error: " + result.error().message);
            any_error = true;
            ++errors;
            continue;
        }
        if (result->status == IntakeStatus::ignored) {
            say(file + ": ignored: " + result->reason);
            ++ignored;
        } else {
            say(file + ": " + to_string(result->status));
            ++(result->status == IntakeStatus::duplicate ? duplicate : stored);
        }
    }
    if (progress) {
        progress->update(done);
        progress->finish(std::to_string(stored) + " stored, " + std::to_string(duplicate) +
                         " duplicate, " + std::to_string(ignored) + " ignored, " +
                         std::to_string(errors) + " errors");
    }
    started->writer->stop();
    return any_error ? 1 : 0;
}

}  // namespace shiplog::daemon
