#pragma once
// Whether an event concerns anything configured (docs/reference/http-api.md: "stored" versus
// "ignored"). Every event is journaled either way; this only decides the
// answer and whether derived data may change.

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "handlers/envelope.hpp"
#include "handlers/parsed_event.hpp"

namespace shiplog::handlers {

enum class Relevance { tracked, ignored };
const char* to_string(Relevance relevance);  // "tracked", "ignored"

// Per event type, tracked when (names compare case-insensitively, like
// Azure DevOps does; refs compare exactly):
//  - git.push: repository + project of a [[deployment]] and some refUpdate
//    is refs/heads/<that deployment's branch>;
//  - build.complete: the definition is a build/stage deployment's pipeline
//    (and the project matches when the payload names one), or the build's
//    repository + project + sourceBranch are a deployment's;
//  - ms.vss-pipelines.stage-state-changed-event / run-state-changed-event:
//    the pipeline is a stage deployment's pipeline (runs: or a build one's);
//  - ms.vss-release.deployment-completed-event: release definition and
//    environment of a release deployment (and project when named);
//  - workitem.created/updated/deleted/restored: System.TeamProject is a
//    deployment's project;
//  - git.pullrequest.created/updated/merged and the pull-request comment
//    event: repository + project of a deployment.
// Everything else is ignored: other event types, bodies the typed parser
// rejects, and "Test" deliveries from the Azure DevOps UI.
// `body` is the body `envelope` was parsed from: the typed event is read
// from that same parse.
Relevance classify_event(const Envelope& envelope, const ParsedBody& body,
                         const config::Config& config, ParsedEvent* parsed = nullptr);

// Same, and leaves in `*parsed` the typed event it parsed to decide, for the
// projector (parsed_event.hpp): git.push, build.complete, stage-state-changed,
// release deployment-completed and workitem.* bodies the typed parser
// accepted, tracked or not; otherwise `*parsed` is left as it was.
// This overload parses `body` (the raw bytes `envelope` came from) again.
Relevance classify_event(const Envelope& envelope, std::string_view body,
                         const config::Config& config, ParsedEvent* parsed = nullptr);

// Why classify_event answered "ignored", in words for the webhook's answer,
// the access log and `ingest`: "Test delivery", "event type not used",
// "no deployment tracks Contoso/web-api:main", or the typed parser's
// complaint. `parsed` is what classify_event left there (monostate when it
// parsed nothing); a body it could not parse is parsed again for the message.
std::string ignored_reason(const Envelope& envelope, std::string_view body,
                           const config::Config& config, const ParsedEvent& parsed);

// True when `ref` is refs/heads/<branch>; `branch` may also be given as a
// full "refs/heads/..." name.
bool ref_matches_branch(std::string_view ref, std::string_view branch);

}  // namespace shiplog::handlers
