#include "tracking/impact.hpp"

#include "common/time_format.hpp"
#include "records/codec.hpp"
#include "records/record_json.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

constexpr const char* k_what = "incident impact record";

tl::unexpected<Error> bad(const std::string& why) {
    return tl::unexpected(record_error(k_what, why));
}

const char* kind_text(config::IncidentSourceKind kind) {
    return kind == config::IncidentSourceKind::azure_monitor ? "monitor" : "api";
}

}  // namespace

std::string incident_id_prefix(config::IncidentSourceKind kind, std::string_view source) {
    std::string out = kind_text(kind);
    out += ':';
    out += source;
    out += ':';
    return out;
}

std::string incident_id(const ImpactRecord& record) {
    return incident_id_prefix(record.kind, record.source) + record.external_id;
}

std::string make_impact_record(const ImpactRecord& r, std::string_view original_json) {
    json::Writer w;
    w.begin_object().field("source", r.source).field("kind", kind_text(r.kind));
    w.field("type", handlers::to_string(r.type)).field("id", r.external_id);
    w.field("date", format_rfc3339_nanos(r.date)).key("opened_at");
    if (r.opened_at)
        w.value(format_rfc3339_nanos(*r.opened_at));
    else
        w.null();
    w.field("url", r.url).field("title", r.title).key("original");
    // The body was parsed as JSON before it got here, so it embeds as a value.
    if (original_json.empty())
        w.null();
    else
        w.raw(original_json);
    return w.end_object().take();
}

Result<ImpactRecord> parse_impact_record(std::string_view raw) {
    SHIPLOG_TRY_ASSIGN(auto record, parse_record(raw, k_what));
    ImpactRecord r;
    std::string kind, type, date;
    SHIPLOG_TRY(record_strings(record, k_what,
                               {{"source", &r.source},
                                {"kind", &kind},
                                {"type", &type},
                                {"id", &r.external_id},
                                {"date", &date},
                                {"url", &r.url},
                                {"title", &r.title}}));
    if (r.source.empty() || r.external_id.empty()) return bad(": empty source or id");
    if (kind == "api")
        r.kind = config::IncidentSourceKind::api;
    else if (kind == "monitor")
        r.kind = config::IncidentSourceKind::azure_monitor;
    else
        return bad(".kind: \"" + kind + "\" is not api or monitor");
    auto parsed_type = handlers::impact_type_from(type);
    if (!parsed_type) return bad(".type: \"" + type + "\" is not triggered, resolved or reopened");
    r.type = *parsed_type;
    auto when = parse_rfc3339(date);
    if (!when) return bad(".date: " + when.error().message);
    r.date = *when;
    std::string_view opened;
    if (record["opened_at"].get(opened) == simdjson::SUCCESS) {
        auto at = parse_rfc3339(opened);
        if (!at) return bad(".opened_at: " + at.error().message);
        r.opened_at = *at;
    }
    return r;
}

}  // namespace shiplog::tracking
