// Fuzzes every typed event parser, the commit-message and artifact-URI
// helpers, and classify_event with a small fixed Config. None may crash;
// a parsed record must hold the invariants its header promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "handlers/build_event.hpp"
#include "handlers/envelope.hpp"
#include "handlers/pull_request_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/release_deployment_event.hpp"
#include "handlers/relevance.hpp"
#include "handlers/run_event.hpp"
#include "handlers/stage_event.hpp"
#include "handlers/work_item_event.hpp"
#include "handlers/work_item_refs.hpp"

namespace {

using namespace shiplog::handlers;
using shiplog::config::Trigger;

const shiplog::config::Config& fixed_config() {
    static const shiplog::config::Config config = [] {
        shiplog::config::Config c;
        auto add = [&](Trigger trigger, const char* pipeline) {
            shiplog::config::DeploymentConfig d;
            d.name = "web-api";
            d.environment = std::string("env-") + shiplog::config::to_string(trigger);
            d.project = "Contoso";
            d.repository = "web-api";
            d.branch = "main";
            d.trigger = trigger;
            d.pipeline = pipeline;
            d.stage = "Production";
            d.release_definition = "web-api-release";
            d.release_environment = "Prod";
            c.deployments.push_back(d);
        };
        add(Trigger::push, "");
        add(Trigger::build, "web-api-ci");
        add(Trigger::stage, "web-api-cd");
        add(Trigger::release, "");
        return c;
    }();
    return config;
}

bool is_sha(std::string_view s) {
    if (s.size() != 40) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);

    if (auto push = parse_push_event(body)) {
        for (const auto& ref : push->ref_updates)
            check(is_sha(ref.old_object_id) && is_sha(ref.new_object_id));
        for (const auto& commit : push->commits) check(is_sha(commit.commit_id));
    }
    if (auto build = parse_build_event(body))
        check(is_sha(build->source_version) && !build->definition_name.empty());
    if (auto stage = parse_stage_event(body))
        check(!stage->stage_name.empty() && !stage->pipeline_name.empty());
    if (auto run = parse_run_event(body)) check(!run->pipeline_name.empty());
    if (auto release = parse_release_deployment_event(body))
        check(!release->release_definition_name.empty() && !release->environment_name.empty());
    if (auto pr = parse_pull_request_event(body)) {
        check(pr->last_merge_commit.empty() || is_sha(pr->last_merge_commit));
        check(pr->last_merge_target_commit.empty() || is_sha(pr->last_merge_target_commit));
        for (const auto& c : pr->commits) check(is_sha(c.sha));
        for (const auto& r : pr->reviewers) check(!r.id.empty());
    }
    if (auto comment = parse_pull_request_comment_event(body))
        check(comment->pull_request.pull_request_id != 0 || !comment->pull_request.status.empty());
    if (auto record = parse_pull_request_record(body))
        if (record->commits)
            for (const auto& c : *record->commits) check(is_sha(c.sha));
    if (auto item = parse_work_item_event(body)) {
        check(item->id > 0 && !item->team_project.empty());
        for (const auto& tag : item->tags) check(!tag.empty());
        for (const auto& link : item->commit_links) check(is_sha(link.sha));
    }

    auto ids = extract_work_item_ids(body);
    check(ids.size() <= k_max_work_item_mentions);
    for (auto id : ids) check(id > 0 && id <= 2147483647);
    if (auto link = parse_commit_artifact_uri(body)) check(is_sha(link->sha));
    (void)split_tags(body);

    if (auto envelope = parse_envelope(body)) (void)classify_event(*envelope, body, fixed_config());
    // classify_event must also cope with an envelope that does not match the body.
    for (const char* type : {"git.push", "build.complete", "workitem.updated",
                             "ms.vss-release.deployment-completed-event"}) {
        Envelope envelope;
        envelope.id = "fuzz";
        envelope.event_type = type;
        envelope.kind = shiplog::event_kind_of(type);
        (void)classify_event(envelope, body, fixed_config());
    }
    return 0;
}
