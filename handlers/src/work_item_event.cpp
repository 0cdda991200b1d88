#include "handlers/work_item_event.hpp"

#include <algorithm>
#include <array>

#include "common/event_kind.hpp"
#include "common/time_format.hpp"
#include "json.hpp"
#include "readers.hpp"

namespace shiplog::handlers {

using namespace detail;

namespace {

// The fields shiplog reads, by index into FieldValues.
enum Field : std::size_t {
    f_type,
    f_state,
    f_tags,
    f_area_path,
    f_team_project,
    f_created_date,
    f_changed_date,
    f_title,
    f_changed_by
};
constexpr std::array<std::string_view, 9> k_field_names = {
    "System.WorkItemType", "System.State",       "System.Tags",
    "System.AreaPath",     "System.TeamProject", "System.CreatedDate",
    "System.ChangedDate",  "System.Title",       "System.ChangedBy",
};

using FieldValues = std::array<std::optional<std::string>, k_field_names.size()>;

// What an update did to one field: present with or without a new value
// (a field cleared in the update has no newValue).
struct FieldChange {
    bool present = false;
    std::optional<std::string> old_value;
    std::optional<std::string> new_value;
};
using FieldChanges = std::array<FieldChange, k_field_names.size()>;

std::optional<std::size_t> field_index(std::string_view key) {
    for (std::size_t i = 0; i < k_field_names.size(); ++i)
        if (k_field_names[i] == key) return i;
    return std::nullopt;
}

std::optional<std::string> field_text(std::size_t index, dom::element value) {
    if (value.is_null()) return std::nullopt;
    // Identity fields are strings in older payloads, objects in newer ones.
    if (index == f_changed_by) return identity_value(value);
    return scalar_text(value);
}

// One ordered pass over a fields object, keeping the fields we know (a
// duplicated key: the last occurrence).
bool read_fields(const dom::object& fields, FieldValues& out) {
    for (auto field : fields)
        if (auto index = field_index(field.key)) out[*index] = field_text(*index, field.value);
    return true;
}

// resource.fields of workitem.updated: {"System.State": {"oldValue": ..., "newValue": ...}}.
bool read_changes(const dom::object& fields, FieldChanges& out) {
    for (auto field : fields) {
        auto index = field_index(field.key);
        dom::object change;
        if (index && field.value.get_object().get(change) == simdjson::SUCCESS) {
            FieldChange& c = out[*index];
            c.present = true;
            dom::element v;
            if (change.at_key("oldValue").get(v) == simdjson::SUCCESS)
                c.old_value = field_text(*index, v);
            if (change.at_key("newValue").get(v) == simdjson::SUCCESS)
                c.new_value = field_text(*index, v);
        }
    }
    return true;
}

void add_link(std::vector<CommitArtifact>& links, CommitArtifact link) {
    if (std::find(links.begin(), links.end(), link) == links.end())
        links.push_back(std::move(link));
}

// An array of relations {rel, url, attributes}; keeps ArtifactLinks to commits.
void read_relations(const dom::array& relations, std::vector<CommitArtifact>& links) {
    for (auto element : relations) {
        dom::object relation;
        if (element.get_object().get(relation) != simdjson::SUCCESS) return;
        auto rel = optional_string_view(relation, "rel");
        if (rel && iequals(*rel, "ArtifactLink")) {
            if (auto url = optional_string_view(relation, "url")) {
                if (auto link = parse_commit_artifact_uri(*url)) add_link(links, std::move(*link));
            }
        }
    }
}

std::optional<WorkItemChange> change_of(std::string_view event_type) {
    switch (event_kind_of(event_type)) {
        case EventKind::work_item_created:
            return WorkItemChange::created;
        case EventKind::work_item_updated:
            return WorkItemChange::updated;
        case EventKind::work_item_deleted:
            return WorkItemChange::deleted;
        case EventKind::work_item_restored:
            return WorkItemChange::restored;
        default:
            break;
    }
    return std::nullopt;
}

tl::unexpected<Error> invalid(std::string message) {
    return fail(ErrorCode::invalid_argument, std::move(message));
}

}  // namespace

const char* to_string(WorkItemChange change) {
    switch (change) {
        case WorkItemChange::created:
            return "created";
        case WorkItemChange::updated:
            return "updated";
        case WorkItemChange::deleted:
            return "deleted";
        case WorkItemChange::restored:
            return "restored";
    }
    return "created";
}

std::vector<std::string> split_tags(std::string_view tags) {
    std::vector<std::string> out;
    while (!tags.empty()) {
        auto semicolon = tags.find(';');
        std::string_view tag = tags.substr(0, semicolon);
        tags =
            semicolon == std::string_view::npos ? std::string_view{} : tags.substr(semicolon + 1);
        while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
        while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
        if (!tag.empty()) out.emplace_back(tag);
    }
    return out;
}

Result<WorkItemEvent> detail::read_work_item_event(const Document& document) {
    SHIPLOG_TRY_ASSIGN(auto root, document.root());
    SHIPLOG_TRY_ASSIGN(auto event_type, required_string(root, "", "eventType"));
    auto change = change_of(event_type);
    if (!change)
        return invalid("eventType: \"" + event_type.substr(0, 64) +
                       "\" is not workitem.created/updated/deleted/restored");
    SHIPLOG_TRY_ASSIGN(auto resource, required_object(root, "", "resource"));

    WorkItemEvent event;
    event.change = *change;
    FieldValues values;
    FieldChanges changes;
    std::string fields_path = "resource.fields";

    if (*change != WorkItemChange::updated) {
        SHIPLOG_TRY_ASSIGN(auto id, required_int(resource, "resource", "id"));
        SHIPLOG_TRY_ASSIGN(auto rev, required_int(resource, "resource", "rev"));
        event.id = id;
        event.rev = rev;
        SHIPLOG_TRY_ASSIGN(auto fields, required_object(resource, "resource", "fields"));
        if (!read_fields(fields, values)) return invalid("resource.fields: not valid JSON");
        if (auto relations = optional_array(resource, "relations"))
            read_relations(*relations, event.commit_links);
    } else {
        // resource.id is the update number; the work item is workItemId or revision.id.
        auto work_item_id = optional_int(resource, "workItemId").value_or(0);
        auto rev = optional_int(resource, "rev");
        if (auto fields = optional_object(resource, "fields")) {
            if (!read_changes(*fields, changes)) return invalid("resource.fields: not valid JSON");
        }
        // Relation changes: {added, removed, updated} arrays.
        if (auto relations = optional_object(resource, "relations")) {
            if (auto added = optional_array(*relations, "added"))
                read_relations(*added, event.commit_links);
            if (auto removed = optional_array(*relations, "removed"))
                read_relations(*removed, event.removed_commit_links);
        }
        SHIPLOG_TRY_ASSIGN(auto revision, required_object(resource, "resource", "revision"));
        if (work_item_id == 0) {
            SHIPLOG_TRY_ASSIGN(auto revision_id, required_int(revision, "resource.revision", "id"));
            work_item_id = revision_id;
        }
        if (!rev) {
            SHIPLOG_TRY_ASSIGN(auto revision_rev,
                               required_int(revision, "resource.revision", "rev"));
            rev = revision_rev;
        }
        event.id = work_item_id;
        event.rev = *rev;
        fields_path = "resource.revision.fields";
        SHIPLOG_TRY_ASSIGN(auto fields, required_object(revision, "resource.revision", "fields"));
        if (!read_fields(fields, values))
            return invalid("resource.revision.fields: not valid JSON");
        if (auto relations = optional_array(revision, "relations"))
            read_relations(*relations, event.commit_links);
        // A changed field's newValue is what this update set; prefer it to
        // the revision's copy.
        for (std::size_t i = 0; i < changes.size(); ++i)
            if (changes[i].present) values[i] = changes[i].new_value;
        if (changes[f_state].present)
            event.previous_state = changes[f_state].old_value.value_or("");
    }
    if (event.id <= 0)
        return invalid("resource.id: " + std::to_string(event.id) + " is not a work item id");

    auto required_field = [&](Field field) -> Result<std::string> {
        if (!values[field] || values[field]->empty())
            return invalid(fields_path + "." + std::string(k_field_names[field]) +
                           ": missing string");
        return *values[field];
    };
    SHIPLOG_TRY_ASSIGN(auto project, required_field(f_team_project));
    SHIPLOG_TRY_ASSIGN(auto work_item_type, required_field(f_type));
    event.team_project = std::move(project);
    event.work_item_type = std::move(work_item_type);
    event.state = values[f_state].value_or("");
    event.tags = split_tags(values[f_tags].value_or(""));
    event.area_path = values[f_area_path].value_or("");
    event.title = values[f_title].value_or("");
    event.changed_by = values[f_changed_by].value_or("");
    if (values[f_created_date])
        if (auto t = parse_rfc3339(*values[f_created_date])) event.created_date = *t;
    if (values[f_changed_date])
        if (auto t = parse_rfc3339(*values[f_changed_date])) event.changed_date = *t;
    return event;
}

}  // namespace shiplog::handlers
