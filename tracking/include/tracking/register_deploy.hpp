#pragma once
// register_deploy (docs/reference/http-api.md) as a journal entry: the daemon validates the
// request, then journals make_register_deploy_record() with event_type
// k_register_deploy_event_type, EventSource::register_deploy and an event id
// it generates; Projector turns the entry into a deploy whose id ends in the
// entry's seq.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "tracking/deploy.hpp"

namespace shiplog::tracking {

inline constexpr std::string_view k_register_deploy_event_type = "shiplog.register_deploy";

struct RegisterDeploy {
    std::string deployment;   // a [[deployment]] name
    std::string environment;  // resolved (see default_environment)
    std::string sha;          // 40 lower-case hex
    Timestamp date{};         // deployed_at (the daemon fills "now" when the request had none)
    DeployStatus status = DeployStatus::succeeded;
    std::string tags;   // as sent ("#a #b"); kept, not interpreted
    std::string email;  // as sent; kept, not interpreted

    friend bool operator==(const RegisterDeploy&, const RegisterDeploy&) = default;
};

// The journal record: {"deployment","environment","sha","date","status","tags","email"}
// with date as RFC 3339 with nanoseconds, so parsing gives back `record` exactly.
std::string make_register_deploy_record(const RegisterDeploy& record);

// Parses a record made by make_register_deploy_record (upper-case hex is
// accepted and lower-cased). Errors name the field.
Result<RegisterDeploy> parse_register_deploy_record(std::string_view raw);

// register_deploy's environment default: `requested` when given and
// configured for `deployment`; otherwise the deployment's only environment.
// not_found when the deployment or the requested environment does not exist;
// invalid_argument naming the choices when none was given and there are several.
Result<std::string> default_environment(const config::Config& config, std::string_view deployment,
                                        std::optional<std::string_view> requested);

}  // namespace shiplog::tracking

namespace shiplog::tracking {

// The answer of a release_artifact_lookup, journaled by the REST worker as
// an entry with this event type so that reindex reproduces it:
// {"release_id": N, "sha": "<40 hex>"}.
inline constexpr std::string_view k_release_artifact_event_type = "shiplog.release_artifact";

struct ReleaseArtifact {
    std::int64_t release_id = 0;
    std::string sha;
    friend bool operator==(const ReleaseArtifact&, const ReleaseArtifact&) = default;
};

std::string make_release_artifact_record(const ReleaseArtifact& record);
Result<ReleaseArtifact> parse_release_artifact_record(std::string_view raw);

}  // namespace shiplog::tracking
