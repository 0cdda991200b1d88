#include "tracking/register_deploy.hpp"

#include <cstdio>
#include <ctime>

#include <simdjson.h>

#include "codec.hpp"
#include "common/time_format.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

using ascii::is_hex40;

// RFC 3339 with all nine fraction digits, so parse(format(t)) == t.
std::string format_nanos(Timestamp t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto nanos = (t - secs).count();
    std::string whole = format_rfc3339(secs);  // "...Z"
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%09lld", static_cast<long long>(nanos));
    whole.insert(whole.size() - 1, fraction);
    return whole;
}

// A thread-local parser: records are small and parsed on the writer thread
// or a request thread.
Result<simdjson::ondemand::object> parse_object(simdjson::padded_string& padded,
                                                simdjson::ondemand::document& doc,
                                                const char* what) {
    thread_local simdjson::ondemand::parser parser;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS)
        return fail(ErrorCode::invalid_argument, std::string(what) + ": not JSON");
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS)
        return fail(ErrorCode::invalid_argument, std::string(what) + ": not a JSON object");
    return obj;
}

Result<std::string> string_field(simdjson::ondemand::object& obj, const char* what,
                                 const char* key) {
    std::string_view value;
    if (obj.find_field_unordered(key).get_string().get(value) != simdjson::SUCCESS)
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + "." + key + ": missing string");
    return std::string(value);
}

}  // namespace

std::string make_register_deploy_record(const RegisterDeploy& r) {
    json::Writer w;
    w.begin_object().field("deployment", r.deployment).field("environment", r.environment);
    w.field("sha", r.sha).field("date", format_nanos(r.date)).field("status", to_string(r.status));
    w.field("tags", r.tags).field("email", r.email);
    return w.end_object().take();
}

Result<RegisterDeploy> parse_register_deploy_record(std::string_view raw) {
    constexpr const char* what = "register_deploy record";
    simdjson::padded_string padded(raw);
    simdjson::ondemand::document doc;
    auto obj = parse_object(padded, doc, what);
    if (!obj) return tl::unexpected(obj.error());
    RegisterDeploy r;
    std::string date, status;
    for (auto [key, out] : {std::pair<const char*, std::string*>{"deployment", &r.deployment},
                            {"environment", &r.environment},
                            {"sha", &r.sha},
                            {"date", &date},
                            {"status", &status},
                            {"tags", &r.tags},
                            {"email", &r.email}}) {
        auto value = string_field(*obj, what, key);
        if (!value) return tl::unexpected(value.error());
        *out = std::move(*value);
    }
    if (r.deployment.empty() || r.environment.empty())
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + ": empty deployment or environment");
    if (!is_hex40(r.sha))
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + ".sha: \"" + r.sha + "\" is not a 40-hex commit id");
    r.sha = lower(r.sha);
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

std::string make_release_artifact_record(const ReleaseArtifact& r) {
    json::Writer w;
    w.begin_object().field("release_id", r.release_id).field("sha", r.sha);
    return w.end_object().take();
}

Result<ReleaseArtifact> parse_release_artifact_record(std::string_view raw) {
    constexpr const char* what = "release artifact record";
    simdjson::padded_string padded(raw);
    simdjson::ondemand::document doc;
    auto obj = parse_object(padded, doc, what);
    if (!obj) return tl::unexpected(obj.error());
    ReleaseArtifact r;
    if (obj->find_field_unordered("release_id").get_int64().get(r.release_id) !=
            simdjson::SUCCESS ||
        r.release_id <= 0)
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + ".release_id: missing positive integer");
    auto sha = string_field(*obj, what, "sha");
    if (!sha) return tl::unexpected(sha.error());
    if (!is_hex40(*sha))
        return fail(ErrorCode::invalid_argument,
                    std::string(what) + ".sha: \"" + *sha + "\" is not a 40-hex commit id");
    r.sha = lower(*sha);
    return r;
}

}  // namespace shiplog::tracking
