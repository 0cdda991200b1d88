#pragma once
// workitem.created / updated / deleted / restored (publisherId "tfs").
// created/deleted/restored carry the work item itself in `resource`;
// updated carries a work-item *update*: changed fields as
// resource.fields.X.{oldValue,newValue}, the full revision under
// resource.revision, and the work item id in resource.workItemId when
// non-zero, else resource.revision.id (docs/reference/definitions.md; resource.id is the update
// number, not the work item).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "handlers/work_item_refs.hpp"

namespace shiplog::handlers {

enum class WorkItemChange { created, updated, deleted, restored };
const char* to_string(WorkItemChange change);  // "created", ...

struct WorkItemEvent {
    WorkItemChange change = WorkItemChange::created;
    std::int64_t id = 0;         // the work item id
    std::int64_t rev = 0;        // with id, the natural key
    std::string work_item_type;  // System.WorkItemType: "Bug"
    std::string state;           // System.State after this change; empty when absent
    // updated only: System.State before, when this update changed it.
    std::optional<std::string> previous_state;
    std::vector<std::string> tags;          // System.Tags "a; b" split and trimmed
    std::string area_path;                  // System.AreaPath; empty when absent
    std::string team_project;               // System.TeamProject
    std::optional<Timestamp> created_date;  // System.CreatedDate
    std::optional<Timestamp> changed_date;  // System.ChangedDate
    std::string title;                      // System.Title; empty when absent
    std::string changed_by;  // System.ChangedBy, string or identity object; empty when absent
    // ArtifactLink relations to commits (resource.relations,
    // resource.revision.relations, and updated's resource.relations.added).
    std::vector<CommitArtifact> commit_links;
    // updated only: resource.relations.removed commit links.
    std::vector<CommitArtifact> removed_commit_links;
};

// Splits System.Tags ("incident; Sev 2;") into trimmed, non-empty tags.
std::vector<std::string> split_tags(std::string_view tags);

// Parses a workitem.created/updated/deleted/restored body (the kind comes
// from the body's eventType). Errors name the field, e.g.
// "resource.revision.fields.System.TeamProject: missing string".
Result<WorkItemEvent> parse_work_item_event(std::string_view body);

}  // namespace shiplog::handlers
