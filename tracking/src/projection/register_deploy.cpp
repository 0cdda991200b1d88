#include "tracking/register_deploy.hpp"

#include <cstdio>
#include <ctime>

#include "common/time_format.hpp"
#include "records/codec.hpp"
#include "records/flat_record.hpp"
#include "records/record_json.hpp"

namespace shiplog::tracking {

using namespace detail;

std::string make_register_deploy_record(const RegisterDeploy& r) {
    json::Writer w;
    w.begin_object().field("deployment", r.deployment).field("environment", r.environment);
    w.field("sha", r.sha).field("date", format_rfc3339_nanos(r.date));
    w.field("status", to_string(r.status)).field("tags", r.tags).field("email", r.email);
    return w.end_object().take();
}

Result<RegisterDeploy> parse_register_deploy_record(std::string_view raw) {
    constexpr const char* what = "register_deploy record";
    SHIPLOG_TRY_ASSIGN(auto record, parse_record(raw, what));
    RegisterDeploy r;
    std::string date, status;
    SHIPLOG_TRY(record_strings(record, what,
                               {{"deployment", &r.deployment},
                                {"environment", &r.environment},
                                {"date", &date},
                                {"status", &status},
                                {"tags", &r.tags},
                                {"email", &r.email}}));
    SHIPLOG_TRY_ASSIGN(r.sha, record_sha(record, what));
    if (r.deployment.empty() || r.environment.empty())
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + ": empty deployment or environment");
    auto when = parse_rfc3339(date);
    if (!when)
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + ".date: " + when.error().message);
    r.date = *when;
    if (status == "succeeded")
        r.status = DeployStatus::succeeded;
    else if (status == "failed")
        r.status = DeployStatus::failed;
    else
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + ".status: \"" + status + "\" is not succeeded or failed");
    return r;
}

Result<std::string> default_environment(const config::Config& config, std::string_view deployment,
                                        std::optional<std::string_view> requested) {
    std::vector<std::string> choices;
    for (const auto& d : config.deployments)
        if (d.name == deployment) choices.push_back(d.environment);
    if (choices.empty())
        return fail(ErrorCode::not_found, "unknown deployment \"" + std::string(deployment) + "\"");
    if (requested && !requested->empty()) {
        for (const auto& env : choices)
            if (env == *requested) return env;
        return fail(ErrorCode::not_found, "deployment \"" + std::string(deployment) +
                                              "\" has no environment \"" + std::string(*requested) +
                                              "\"");
    }
    if (choices.size() == 1) return choices.front();
    std::string list;
    for (const auto& env : choices) list += (list.empty() ? "" : ", ") + env;
    return fail(ErrorCode::invalid_argument, "deployment \"" + std::string(deployment) +
                                                 "\" has several environments (" + list +
                                                 "): say which in \"environment\"");
}

namespace {

constexpr std::array<FlatField<ReleaseArtifact>, 2> k_release_artifact_fields{{
    {"release_id", &ReleaseArtifact::release_id, FieldRule::positive_id},
    {"sha", &ReleaseArtifact::sha, FieldRule::sha},
}};

}  // namespace

std::string make_release_artifact_record(const ReleaseArtifact& r) {
    return write_flat_record(r, k_release_artifact_fields);
}

Result<ReleaseArtifact> parse_release_artifact_record(std::string_view raw) {
    return read_flat_record(raw, "release artifact record", k_release_artifact_fields);
}

}  // namespace shiplog::tracking
