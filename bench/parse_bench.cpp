// Parse benchmark (issue 9 "Parse"): what shiplog spends per webhook body on
// JSON, against simdjson's own raw parse of the same bytes.
//
//   build-bench/bench/shiplog_parse_bench [--benchmark_min_time=0.01] ...
//
// Payloads: the 6 KB (5 commits) and 60 KB (100 commits) git.push bodies that
// bench/lua/push.lua posts (same generator, ported), and the build.complete
// and workitem.updated fixtures from tests/fixtures/events.
//
// Per payload:
//   raw_ondemand   simdjson On-Demand iterate + a full traversal that reads
//                  every key and value (the cheapest complete parse)
//   raw_dom        simdjson DOM parse (builds the tape; validates everything)
//   intake         what the HTTP worker does: parse_envelope + classify_event
//   event          intake + what the projector does in the writer transaction
//                  to get the typed event (takes the one intake handed off,
//                  handlers/parsed_event.hpp): shiplog's whole per-event cost
//   event_reparse  the same without the hand-off: the projector parses the
//                  journaled copy again (what reindex does for every entry)
// Every benchmark reports bytes/s (GB/s) and time per event.
#include <benchmark/benchmark.h>

#include <any>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <simdjson.h>

#include "config/config.hpp"
#include "handlers/build_event.hpp"
#include "handlers/envelope.hpp"
#include "handlers/json_parser.hpp"
#include "handlers/parsed_event.hpp"
#include "handlers/push_event.hpp"
#include "handlers/relevance.hpp"
#include "handlers/work_item_event.hpp"

namespace {

namespace od = simdjson::ondemand;
using namespace shiplog;

// ---- payloads ----------------------------------------------------------------

// The body bench/lua/push.lua builds (build_template + commit_json), byte for byte.
std::string hex(std::uint64_t n, int width) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llx", width, static_cast<unsigned long long>(n));
    return buf;
}

std::string sha(std::uint64_t i) {
    constexpr std::uint64_t m = 4294967296ULL;
    return hex((i * 2654435761ULL) % m, 8) + hex((i * 40503 + 7) % m, 8) +
           hex((i * 2246822519ULL) % m, 8) + hex((i * 3266489917ULL) % m, 8) +
           hex((i * 668265263ULL) % m, 8);
}

const char* const k_people[][2] = {
    {"Mira Okafor", "mira.okafor"}, {"Jonas Lindqvist", "jonas.lindqvist"},
    {"Priya Raman", "priya.raman"}, {"Tom\xc3\xa1s Herrera", "tomas.herrera"},
    {"Aiko Tanaka", "aiko.tanaka"}, {"Lena Vogel", "lena.vogel"},
};
const char* const k_messages[] = {
    "Retry payment webhook on 503 (AB#4812)",
    "Fix rounding in invoice totals, fixes #4790 and #4791; see also #4790\\n\\n"
    "The old code rounded each line item before summing, which drifted by a cent on long invoices "
    "and made the reconciliation job flag them as mismatched. Sum first, round once, and add a "
    "regression test with the 212-line invoice from the support ticket...",
    "Bump Azure.Storage.Blobs to 12.19.1 and drop the retry shim we carried for the old SDK",
    ("Merged PR 1188: Add structured logging to the order pipeline\\n\\n"
     "Replaces the ad-hoc string formatting in OrderService with message templates so the "
     "log analytics queries can filter on orderId and tenant. No behaviour change intended."),
    "Make the health probe independent of the cache warm-up (AB#4833)",
    ("Tidy up feature flags that shipped to 100% last sprint; remove dead branches in "
     "CheckoutController"),
};

const std::string k_repo_id = "93249743-006e-4349-b85a-1e532e6644a4";
const std::string k_repo_url = "https://dev.azure.com/contoso/_apis/git/repositories/" + k_repo_id;

std::string commit_json(int i) {
    const auto* p = k_people[i % 6];
    const auto* c = k_people[(i + 1) % 6];
    int day = 10 + (i % 18);
    char date_a[32], date_c[32];
    std::snprintf(date_a, sizeof date_a, "2026-11-%02dT%02d:%02d:%02dZ", day, i % 24, i % 60,
                  (i * 7) % 60);
    std::snprintf(date_c, sizeof date_c, "2026-11-%02dT%02d:%02d:%02dZ", day, i % 24, (i + 3) % 60,
                  (i * 7) % 60);
    std::string msg = k_messages[i % 6];
    std::string truncated = msg.size() > 200 ? ",\"commentTruncated\":true" : "";
    std::string id = sha(static_cast<std::uint64_t>(i));
    return "{\"commitId\":\"" + id + "\",\"author\":{\"name\":\"" + p[0] + "\",\"email\":\"" +
           p[1] + "@contoso.example\",\"date\":\"" + date_a + "\"},\"committer\":{\"name\":\"" +
           c[0] + "\",\"email\":\"" + c[1] + "@contoso.example\",\"date\":\"" + date_c +
           "\"},\"comment\":\"" + msg + "\"" + truncated + ",\"url\":\"" + k_repo_url +
           "/commits/" + id + "\"}";
}

std::string push_body(int commits) {
    std::string list;
    for (int i = 1; i <= commits; ++i) {
        if (i > 1) list += ',';
        list += commit_json(i);
    }
    const std::string head_sha = sha(1), old_sha = sha(static_cast<std::uint64_t>(commits) + 1);
    const std::string text = "Mira Okafor pushed updates to web-api:main";
    const std::string user_url =
        "https://dev.azure.com/contoso/_usersSettings/"
        "about?id=e198f7ba-4878-41c0-8f0a-55d5f6b29e26";
    const std::string repo_web = "https://dev.azure.com/contoso/Contoso/_git/web-api";
    const std::string html =
        "<a href=\\\"" + user_url + "\\\">Mira Okafor</a> pushed updates to <a href=\\\"" +
        repo_web + "\\\">web-api</a>:<a href=\\\"" + repo_web + "/?version=GBmain\\\">main</a>";
    const std::string md = "[Mira Okafor](" + user_url + ") pushed updates to [web-api](" +
                           repo_web + "):[main](" + repo_web + "/?version=GBmain)";
    return "{\"subscriptionId\":\"1273fa09-607e-43ed-afa0-15b3fd3af9e8\",\"notificationId\":4211,"
           "\"id\":\"" +
           std::string("00000001-0001-0000-0000-000000000001") +
           "\",\"eventType\":\"git.push\",\"publisherId\":\"tfs\","
           "\"message\":{\"text\":\"" +
           text + "\",\"html\":\"" + html + "\",\"markdown\":\"" + md + "\"}," +
           "\"detailedMessage\":{\"text\":\"" + text + "\",\"html\":\"" + html +
           "\",\"markdown\":\"" + md + "\"},\"resource\":{\"commits\":[" + list + "]," +
           "\"refUpdates\":[{\"name\":\"refs/heads/main\",\"oldObjectId\":\"" + old_sha +
           "\",\"newObjectId\":\"" + head_sha + "\"}]," + "\"repository\":{\"id\":\"" + k_repo_id +
           "\",\"name\":\"web-api\",\"url\":\"" + k_repo_url + "\"," +
           "\"project\":{\"id\":\"aa6546cf-b860-4947-8a45-6dacaa3675ed\",\"name\":\"Contoso\","
           "\"url\":\"https://dev.azure.com/contoso/_apis/projects/"
           "aa6546cf-b860-4947-8a45-6dacaa3675ed\","
           "\"state\":\"wellFormed\",\"visibility\":\"private\"},"
           "\"defaultBranch\":\"refs/heads/main\",\"remoteUrl\":\"https://dev.azure.com/contoso/"
           "Contoso/_git/web-api\"},"
           "\"pushedBy\":{\"displayName\":\"Mira Okafor\","
           "\"url\":\"https://spsprodweu5.vssps.visualstudio.com/_apis/Identities/"
           "e198f7ba-4878-41c0-8f0a-55d5f6b29e26\","
           "\"id\":\"e198f7ba-4878-41c0-8f0a-55d5f6b29e26\",\"uniqueName\":\"mira.okafor@contoso."
           "example\","
           "\"imageUrl\":\"https://dev.azure.com/contoso/_api/_common/"
           "identityImage?id=e198f7ba-4878-41c0-8f0a-55d5f6b29e26\"},"
           "\"pushId\":1187,\"date\":\"2026-11-19T16:42:30.1234567Z\",\"url\":\"" +
           k_repo_url +
           "/pushes/1187\"},\"resourceVersion\":\"1.0\","
           "\"resourceContainers\":{\"collection\":{\"id\":\"ca944240-c994-4031-8e60-"
           "feb2bd298aa2\",\"baseUrl\":\"https://dev.azure.com/contoso/\"},"
           "\"account\":{\"id\":\"d1fb297b-8fe0-423f-be47-c7b7a8d19bf1\",\"baseUrl\":\"https://"
           "dev.azure.com/contoso/\"},"
           "\"project\":{\"id\":\"aa6546cf-b860-4947-8a45-6dacaa3675ed\",\"baseUrl\":\"https://"
           "dev.azure.com/contoso/\"}},"
           "\"createdDate\":\"2026-11-19T16:42:31.4407812Z\"}";
}

std::string fixture(const char* name) {
    std::ifstream in(std::string(SHIPLOG_SOURCE_DIR) + "/tests/fixtures/events/" + name,
                     std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot read fixture ") + name);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The deployments the fixtures and the push bodies belong to, so every
// payload classifies as tracked (the full path, like bench/run's config).
config::Config bench_config() {
    config::Config config;
    config::DeploymentConfig push;
    push.name = push.repository = "web-api";
    push.environment = "production";
    push.project = "Contoso";
    config.deployments.push_back(push);
    // Build + work item fixtures: match whatever they name.
    if (auto build = handlers::parse_build_event(fixture("build.complete.json"))) {
        config::DeploymentConfig d;
        d.name = "build";
        d.environment = "production";
        d.trigger = config::Trigger::build;
        d.project = build->project_name;
        d.pipeline = build->definition_name;
        config.deployments.push_back(d);
    }
    if (auto item = handlers::parse_work_item_event(fixture("workitem.updated.json"))) {
        config::DeploymentConfig d;
        d.name = "items";
        d.environment = "production";
        d.project = item->team_project;
        config.deployments.push_back(d);
    }
    return config;
}

enum class Kind { push, build, work_item };

struct Payload {
    const char* name;
    Kind kind;
    std::string body;
};

const std::vector<Payload>& payloads() {
    static const std::vector<Payload> all = {
        {"push_6k", Kind::push, push_body(5)},
        {"push_60k", Kind::push, push_body(100)},
        {"build", Kind::build, fixture("build.complete.json")},
        {"workitem", Kind::work_item, fixture("workitem.updated.json")},
    };
    return all;
}

const config::Config& the_config() {
    static const config::Config config = bench_config();
    return config;
}

// ---- simdjson raw ------------------------------------------------------------

// Reads every key and every value, like a consumer that wants it all.
bool traverse(od::value value, std::size_t& sink) {
    od::json_type type;
    if (value.type().get(type)) return false;
    switch (type) {
        case od::json_type::object: {
            od::object obj;
            if (value.get_object().get(obj)) return false;
            for (auto field : obj) {
                std::string_view key;
                od::value child;
                if (field.unescaped_key().get(key) || field.value().get(child)) return false;
                sink += key.size();
                if (!traverse(child, sink)) return false;
            }
            return true;
        }
        case od::json_type::array: {
            od::array arr;
            if (value.get_array().get(arr)) return false;
            for (auto element : arr) {
                od::value child;
                if (element.get(child) || !traverse(child, sink)) return false;
            }
            return true;
        }
        case od::json_type::string: {
            std::string_view s;
            if (value.get_string().get(s)) return false;
            sink += s.size();
            return true;
        }
        case od::json_type::number: {
            double d = 0;
            if (value.get_double().get(d)) return false;
            sink += static_cast<std::size_t>(d);
            return true;
        }
        case od::json_type::boolean: {
            bool b = false;
            if (value.get_bool().get(b)) return false;
            sink += b;
            return true;
        }
        case od::json_type::null:
            return true;
    }
    return false;
}

void raw_ondemand(benchmark::State& state, const Payload& p) {
    simdjson::padded_string padded(p.body);
    od::parser parser;
    std::size_t sink = 0;
    for (auto _ : state) {
        od::document doc;
        od::value root;
        if (parser.iterate(padded).get(doc) || doc.get_value().get(root) || !traverse(root, sink))
            state.SkipWithError("simdjson On-Demand failed");
        benchmark::DoNotOptimize(sink);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.body.size()));
    state.counters["bytes"] = static_cast<double>(p.body.size());
}

void raw_dom(benchmark::State& state, const Payload& p) {
    simdjson::padded_string padded(p.body);
    simdjson::dom::parser parser;
    for (auto _ : state) {
        simdjson::dom::element root;
        if (parser.parse(padded).get(root)) state.SkipWithError("simdjson DOM failed");
        benchmark::DoNotOptimize(root);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.body.size()));
    state.counters["bytes"] = static_cast<double>(p.body.size());
}

// ---- shiplog -----------------------------------------------------------------

// Bodies the way the daemon holds them: every request arrives in a new
// std::string (the edge reserves the JSON padding after the body), the
// writer parses the JournalEntry's own copy. Two of each, used alternately,
// as consecutive requests live at different addresses.
std::string request_body(const std::string& body) {
    std::string out;
    out.reserve(body.size() + handlers::k_json_padding);
    out.assign(body);
    return out;
}

struct Copies {
    explicit Copies(const Payload& p)
        : payload(p),
          request{request_body(p.body), request_body(p.body)},
          journal{p.body, p.body} {}
    const Payload& payload;
    std::string request[2];
    std::string journal[2];
    std::size_t next = 0;
};

// What daemon/workers/event_intake.cpp does with a body before the writer.
bool intake(const std::string& body, std::string* event_id, handlers::ParsedEvent* parsed) {
    static handlers::JsonParser parser;  // the intake's pool hands one out per body
    auto parsed_body = parser.parse(body, body.capacity());
    if (!parsed_body) return false;
    auto envelope = handlers::parse_envelope(*parsed_body);
    if (!envelope) return false;
    if (event_id) *event_id = envelope->id;
    return handlers::classify_event(*envelope, *parsed_body, the_config(), parsed) ==
           handlers::Relevance::tracked;
}

// What tracking/src/projection/projector.cpp does to get the typed event.
bool typed(Kind kind, const std::any& carried, const std::string& raw) {
    switch (kind) {
        case Kind::push:
            return handlers::take_push_event(carried, raw).has_value();
        case Kind::build:
            return handlers::take_build_event(carried, raw).has_value();
        case Kind::work_item:
            return handlers::take_work_item_event(carried, raw).has_value();
    }
    return false;
}

// The worker's part only.
bool intake_step(Copies& c) {
    return intake(c.request[c.next++ % 2], nullptr, nullptr);
}

// The worker's part, the parsed event carried on the entry, then the
// projector's part on the journaled copy (its own parse when nothing was
// carried).
bool event_step(Copies& c, bool hand_off) {
    std::size_t i = c.next++ % 2;
    std::string id;
    handlers::ParsedEvent parsed;
    if (!intake(c.request[i], &id, &parsed)) return false;
    std::any carried;
    if (hand_off) carried = handlers::carry(std::move(parsed));
    return typed(c.payload.kind, carried, c.journal[i]);
}

void shiplog_intake(benchmark::State& state, const Payload& p) {
    Copies copies(p);
    for (auto _ : state)
        if (!intake_step(copies)) state.SkipWithError("intake rejected or ignored the payload");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.body.size()));
    state.counters["bytes"] = static_cast<double>(p.body.size());
}

void shiplog_event(benchmark::State& state, const Payload& p, bool hand_off) {
    Copies copies(p);
    for (auto _ : state)
        if (!event_step(copies, hand_off)) state.SkipWithError("intake or typed parse failed");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.body.size()));
    state.counters["bytes"] = static_cast<double>(p.body.size());
}

const bool registered = [] {
    for (const auto& p : payloads()) {
        std::string n = p.name;
        benchmark::RegisterBenchmark(("raw_ondemand/" + n).c_str(), raw_ondemand, p);
        benchmark::RegisterBenchmark(("raw_dom/" + n).c_str(), raw_dom, p);
        benchmark::RegisterBenchmark(("intake/" + n).c_str(), shiplog_intake, p);
        benchmark::RegisterBenchmark(("event/" + n).c_str(), shiplog_event, p, true);
        benchmark::RegisterBenchmark(("event_reparse/" + n).c_str(), shiplog_event, p, false);
    }
    return true;
}();

// `shiplog_parse_bench --profile STAGE PAYLOAD N` runs one stage N times and
// nothing else: for callgrind (instructions per event), e.g.
//   valgrind --tool=callgrind --toggle-collect="*profile_loop*"
//     shiplog_parse_bench --profile event push_6k 100
__attribute__((noinline)) int profile_loop(const std::string& stage, const Payload& p, int n) {
    int ok = 0;
    Copies copies(p);
    for (int i = 0; i < n; ++i) {
        if (stage == "intake") {
            ok += intake_step(copies);
        } else if (stage == "event" || stage == "event_reparse") {
            ok += event_step(copies, stage == "event");
        } else if (stage == "raw_ondemand" || stage == "raw_dom") {
            // As the benchmarks do: a padded copy made once, parsers reused.
            static const simdjson::padded_string padded(p.body);
            static od::parser od_parser;
            static simdjson::dom::parser dom_parser;
            std::size_t sink = 0;
            od::document doc;
            od::value root;
            simdjson::dom::element element;
            if (stage == "raw_dom")
                ok += !dom_parser.parse(padded).get(element);
            else
                ok += !od_parser.iterate(padded).get(doc) && !doc.get_value().get(root) &&
                      traverse(root, sink);
        }
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::string(argv[1]) == "--profile") {
        for (const auto& p : payloads()) {
            if (p.name != std::string(argv[3])) continue;
            int n = std::stoi(argv[4]);
            int ok = profile_loop(argv[2], p, n);
            std::printf("%s %s: %d/%d ok\n", argv[2], argv[3], ok, n);
            return ok == n ? 0 : 1;
        }
        std::fprintf(stderr, "unknown payload %s\n", argv[3]);
        return 2;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
