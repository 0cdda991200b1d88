// `shiplog demo`: puts demo_history's made-up events into the store through
// EventIntake, the path webhook deliveries and `ingest` take, so what the
// dashboard then shows is derived exactly as it would be from Azure DevOps.
#include <cstdio>

#include "cli/demo_history.hpp"
#include "daemon/commands.hpp"
#include "daemon/event_intake.hpp"
#include "runtime/startup.hpp"

namespace shiplog::daemon {
namespace {
constexpr auto k_demo_commit_timeout = std::chrono::milliseconds{60000};
}

int run_demo(const std::filesystem::path& config_path) {
    auto started = start_up(config_path, config::Environment::process(), {});
    if (!started) {
        std::fprintf(stderr, "%s\n", started.error().message.c_str());
        return started.error().exit_code;
    }
    EventIntake& intake = *started->intake;
    const auto& store_path = started->initial().storage.path;

    const auto events = make_demo_history(system_clock().now());
    int stored = 0;
    int ignored = 0;
    int duplicate = 0;
    for (const auto& event : events) {
        auto result =
            event.kind == DemoEvent::Kind::webhook
                ? intake.submit(event.body, storage::EventSource::ingest, k_demo_commit_timeout)
                : intake.submit_record(event.event_id, event.event_type, event.body,
                                       storage::EventSource::register_deploy,
                                       k_demo_commit_timeout);
        if (!result) {
            std::fprintf(stderr, "demo: event %s: %s\n", event.event_id.c_str(),
                         result.error().message.c_str());
            started->writer->stop();
            return 1;
        }
        if (result->status == IntakeStatus::duplicate) {
            // The history is already there (the ids never change): stop early
            // instead of offering every event again.
            if (stored == 0 && ignored == 0) {
                duplicate = static_cast<int>(events.size());
                break;
            }
            ++duplicate;
        } else if (result->status == IntakeStatus::ignored) {
            ++ignored;
        } else {
            ++stored;
        }
    }
    started->writer->stop();
    if (stored == 0 && ignored == 0) {
        std::printf("demo: the demo history is already in %s (delete the store to start over)\n",
                    store_path.c_str());
        return 0;
    }
    std::printf("demo: %d events stored, %d ignored, %d already there, in %s\n", stored, ignored,
                duplicate, store_path.c_str());
    if (ignored > 0)
        std::printf(
            "demo: events are ignored when the config has no [[deployment]] for them; "
            "the demo fits examples/shiplog.toml\n");
    return 0;
}

}  // namespace shiplog::daemon
