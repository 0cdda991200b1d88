#include "tracking/impact.hpp"

#include <simdjson.h>

#include "codec.hpp"
#include "common/time_format.hpp"

namespace shiplog::tracking {

using namespace detail;

namespace {

constexpr const char* k_what = "incident impact record";

tl::unexpected<Error> bad(const std::string& why) {
    return tl::unexpected(Error{ErrorCode::invalid_argument, std::string(k_what) + why});
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
    std::string out = "{\"source\":";
    append_json_string(out, r.source);
    out += ",\"kind\":";
    append_json_string(out, kind_text(r.kind));
    out += ",\"type\":";
    append_json_string(out, handlers::to_string(r.type));
    out += ",\"id\":";
    append_json_string(out, r.external_id);
    out += ",\"date\":";
    append_json_string(out, format_rfc3339_nanos(r.date));
    out += ",\"opened_at\":";
    if (r.opened_at)
        append_json_string(out, format_rfc3339_nanos(*r.opened_at));
    else
        out += "null";
    out += ",\"url\":";
    append_json_string(out, r.url);
    out += ",\"title\":";
    append_json_string(out, r.title);
    out += ",\"original\":";
    // The body was parsed as JSON before it got here, so it embeds as a value.
    if (original_json.empty())
        out += "null";
    else
        out += original_json;
    out += "}";
    return out;
}

Result<ImpactRecord> parse_impact_record(std::string_view raw) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(raw.data(), raw.size()).get(doc) != simdjson::SUCCESS)
        return bad(": not JSON");
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) return bad(": not a JSON object");
    auto text = [&](const char* key) -> Result<std::string> {
        std::string_view value;
        if (obj[key].get_string().get(value) != simdjson::SUCCESS)
            return bad(std::string(".") + key + ": missing string");
        return std::string(value);
    };
    ImpactRecord r;
    std::string kind, type, date;
    for (auto [key, out] : {std::pair<const char*, std::string*>{"source", &r.source},
                            {"kind", &kind},
                            {"type", &type},
                            {"id", &r.external_id},
                            {"date", &date},
                            {"url", &r.url},
                            {"title", &r.title}}) {
        auto value = text(key);
        if (!value) return tl::unexpected(value.error());
        *out = std::move(*value);
    }
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
    if (obj["opened_at"].get_string().get(opened) == simdjson::SUCCESS) {
        auto at = parse_rfc3339(opened);
        if (!at) return bad(".opened_at: " + at.error().message);
        r.opened_at = *at;
    }
    return r;
}

}  // namespace shiplog::tracking
