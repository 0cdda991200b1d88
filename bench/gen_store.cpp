// Writes a large, realistic shiplog store for the query benchmark
// (bench/queries): N deploys and ~M commits over 6 deployment+environments
// and `--days` of history ending at `--end`, with failed deploys, rollbacks
// and incidents, plus the config that names those deployments.
//
// Speed over honesty about ingestion: it writes tracking's derived tables
// directly (tr_deploys, the query indexes and day rows, tr_commits facts, tr_incident_blame)
// in big transactions, with tracking's own encoders, so the layout is the one
// the queries read. It does NOT write the journal: replaying 1M pushes
// through the projector would recompute each deployment+environment per event.
// The store size it reports is therefore derived data only.
//
//   gen_store --dir DIR [--deploys N] [--commits M] [--days D] [--end YYYY-MM-DD]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <lmdb++.h>

#include "common/time_format.hpp"
#include "index/deploy_index.hpp"
#include "records/codec.hpp"
#include "records/facts.hpp"
#include "storage/store.hpp"
#include "tracking/tables.hpp"

namespace {

using namespace shiplog;
using namespace shiplog::tracking;

struct Series {
    const char* name;
    const char* environment;
    const char* repository;
};

// Sorted by (name, environment): keys then arrive in ascending order.
constexpr Series k_series[] = {
    {"billing", "production", "billing"},   {"billing", "staging", "billing"},
    {"mobile-app", "production", "mobile"}, {"mobile-app", "staging", "mobile"},
    {"web-api", "production", "web-api"},   {"web-api", "staging", "web-api"},
};

std::string hex_sha(std::uint64_t n) {
    // A spread-out 40-hex-digit sha (splitmix64 twice), unique per n.
    auto mix = [](std::uint64_t z) {
        z += 0x9e3779b97f4a7c15ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    };
    char buf[48];
    std::snprintf(buf, sizeof buf, "%016llx%016llx%08llx", static_cast<unsigned long long>(mix(n)),
                  static_cast<unsigned long long>(mix(n + 0x51ed)),
                  static_cast<unsigned long long>(n & 0xffffffffULL));
    return buf;
}

int usage() {
    std::fprintf(
        stderr,
        "usage: gen_store --dir DIR [--deploys N] [--commits M] [--days D] [--end YYYY-MM-DD]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path dir;
    std::uint64_t deploys = 1'000'000, commits = 10'000'000, days = 800;
    std::string end_text = "2026-11-01";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const char* value = argv[i + 1];
        if (flag == "--dir")
            dir = value;
        else if (flag == "--deploys")
            deploys = std::strtoull(value, nullptr, 10);
        else if (flag == "--commits")
            commits = std::strtoull(value, nullptr, 10);
        else if (flag == "--days")
            days = std::strtoull(value, nullptr, 10);
        else if (flag == "--end")
            end_text = value;
        else
            return usage();
    }
    if (dir.empty() || deploys == 0 || days == 0) return usage();
    auto end = parse_rfc3339(end_text + "T00:00:00Z");
    if (!end) return usage();

    std::filesystem::create_directories(dir);
    const auto store_path = std::filesystem::absolute(dir) / "store";
    {
        std::ofstream toml(dir / "shiplog.toml");
        toml << "[storage]\npath = \"" << store_path.string() << "\"\nmax_size_mb = 65536\n";
        for (const auto& s : k_series)
            toml << "\n[[deployment]]\nname = \"" << s.name << "\"\nenvironment = \""
                 << s.environment << "\"\nproject = \"Fabrikam\"\nrepository = \"" << s.repository
                 << "\"\nbranch = \""
                 << (std::string(s.environment) == "production" ? "main" : "develop")
                 << "\"\ntrigger = \"push\"\n";
        toml << "\n[failures]\nincident_work_item_types = [\"Bug\"]\nincident_tags = "
                "[\"incident\"]\n"
                "incident_closed_states = [\"Closed\", \"Done\", \"Resolved\"]\n";
    }

    auto store = storage::Store::open({store_path, std::size_t{65536} << 20, false});
    if (!store) {
        std::fprintf(stderr, "store: %s\n", store.error().message.c_str());
        return 1;
    }
    auto tables = Tables::open(**store);
    if (!tables) {
        std::fprintf(stderr, "tables: %s\n", tables.error().message.c_str());
        return 1;
    }
    const auto& t = *tables;

    std::mt19937_64 rng(20261127);
    auto roll = [&](std::uint64_t n) { return rng() % n; };
    const auto started = std::chrono::steady_clock::now();
    const std::uint64_t n_series = std::size(k_series);
    const std::int64_t span_ns = static_cast<std::int64_t>(days) * 86'400'000'000'000LL;
    const std::uint64_t per_deploy = std::max<std::uint64_t>(1, commits / deploys);
    std::uint64_t seq = 0, next_commit = 0, written_commits = 0, incidents = 0,
                  next_incident = 100000;

    try {
        auto txn = lmdb::txn::begin((*store)->env().handle());
        std::uint64_t in_txn = 0;
        auto check = [](const Status& s) {
            if (!s) throw std::runtime_error(s.error().message);
        };
        for (std::uint64_t si = 0; si < n_series; ++si) {
            const auto& s = k_series[si];
            const std::uint64_t count = deploys / n_series + (si < deploys % n_series ? 1 : 0);
            const std::string repo = detail::repo_key("Fabrikam", s.repository);
            std::vector<DeployView> window;  // the last few deploys, for rollbacks
            std::vector<std::string>
                pending_shas;  // shipped by failed deploys, not yet by a succeeded one
            std::uint64_t succeeded_since_rollback = 0;
            // Every commit is new here (failed deploys' commits are reshipped
            // by the next succeeded one, rollbacks ship none).
            detail::SeriesIndexer indexer(true);
            for (std::uint64_t i = 0; i < count; ++i) {
                DeployView v;
                v.deployment = s.name;
                v.environment = s.environment;
                v.seq = ++seq;
                const std::int64_t offset =
                    span_ns / static_cast<std::int64_t>(count) * static_cast<std::int64_t>(i);
                v.deployed_at =
                    *end - std::chrono::nanoseconds{span_ns} + std::chrono::nanoseconds{offset};
                v.trigger = config::Trigger::push;
                v.commits_complete = true;
                const bool failed = roll(100) < 5;
                v.status = failed ? DeployStatus::failed : DeployStatus::succeeded;
                v.failure = failed ? Failure::failed : Failure::none;
                // A rollback: redeploy the sha of the succeeded deploy before the previous one.
                const DeployView* target = nullptr;
                if (!failed && succeeded_since_rollback >= 3 && roll(100) < 1) {
                    int seen = 0;
                    for (auto it = window.rbegin(); it != window.rend(); ++it)
                        if (it->status == DeployStatus::succeeded && ++seen == 2) {
                            target = &*it;
                            break;
                        }
                }
                if (target != nullptr) {
                    v.sha = target->sha;
                    succeeded_since_rollback = 0;
                } else {
                    const std::uint64_t n = 1 + roll(2 * per_deploy - 1);  // mean per_deploy
                    std::vector<std::string> shas = pending_shas;
                    for (std::uint64_t c = 0; c < n; ++c) {
                        std::string sha = hex_sha(next_commit++);
                        detail::CommitFact fact;
                        fact.author_name = "Dev " + std::to_string(roll(200));
                        fact.author_email = "dev" + std::to_string(roll(200)) + "@example.com";
                        fact.authored_at =
                            v.deployed_at - std::chrono::minutes{10 + static_cast<int>(roll(4320))};
                        fact.summary = "Change " + sha.substr(0, 8) + ": update the thing";
                        check(detail::put(txn, t.commits,
                                          detail::KeyBuilder().str(repo).str(sha).bytes(),
                                          detail::encode(fact)));
                        ++written_commits;
                        shas.push_back(sha);
                    }
                    v.sha = shas.back();
                    // Rolled-back deploys stay failure "none" here (the
                    // projector would mark them); the index rows still carry
                    // each rollback's time to restore (SeriesIndexer).
                    for (const auto& sha : shas)
                        v.commits.push_back(CommitView{
                            sha, "Dev", "dev@example.com",
                            v.deployed_at - std::chrono::minutes{10 + static_cast<int>(roll(4320))},
                            "Change " + sha.substr(0, 8) + ": update the thing"});
                    if (failed)
                        pending_shas = shas;
                    else
                        pending_shas.clear();
                    if (!failed) ++succeeded_since_rollback;
                }
                // Incidents: ~0.5% of succeeded deploys, restored 1-6 hours later.
                std::optional<IncidentView> incident;
                if (!failed && roll(1000) < 5) {
                    IncidentView iv;
                    iv.id = static_cast<std::int64_t>(next_incident++);
                    iv.project = "Fabrikam";
                    iv.area_path = "Fabrikam";
                    iv.state = "Closed";
                    iv.created_at = v.deployed_at + std::chrono::minutes{5};
                    iv.restored_at =
                        iv.created_at + std::chrono::minutes{60 + static_cast<int>(roll(300))};
                    v.incidents.push_back(iv.id);
                    v.failure = Failure::incident;
                    incident = iv;
                    ++incidents;
                }
                window.push_back(v);
                if (window.size() > 8) window.erase(window.begin());
                check(detail::put(txn, t.deploys,
                                  detail::deploy_key(v.deployment, v.environment, v.seq),
                                  detail::encode(v)));
                check(detail::put_index_row(txn, t, v.deployment, v.environment, indexer.add(v)));
                if (incident)
                    check(detail::put_blamed_incident(txn, t, v.deployment, v.environment,
                                                      *incident));
                if (++in_txn == 20000) {
                    txn.commit();
                    txn = lmdb::txn::begin((*store)->env().handle());
                    in_txn = 0;
                    std::fprintf(stderr, "\r%llu deploys", static_cast<unsigned long long>(seq));
                }
            }
        }
        txn.commit();
        // The day rows, from the deploy rows just written (as recompute does).
        for (const auto& s : k_series) {
            auto days_txn = lmdb::txn::begin((*store)->env().handle());
            check(detail::rebuild_days(days_txn, t, s.name, s.environment, {}));
            days_txn.commit();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\ngen_store: %s\n", e.what());
        return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "\r");
    std::printf("deploys=%llu commits=%llu incidents=%llu seconds=%.1f\n",
                static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(written_commits),
                static_cast<unsigned long long>(incidents), seconds);
    return 0;
}
