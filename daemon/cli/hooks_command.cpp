// `shiplog hooks sync|list|remove`; `list` also shows the notification
// outbox per [[notify]] target (queued, sent, failed, given up).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "azure/client.hpp"
#include "azure/hook_plan.hpp"
#include "azure/hook_sync.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/time_format.hpp"
#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "http/message.hpp"
#include "routes/hooks_api.hpp"
#include "storage/outbox.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {
namespace {

struct HooksContext {
    config::Config config;
    azure::HookIdentity identity;
    std::unique_ptr<azure::AzureDevOpsClient> client;
};

Result<HooksContext> open_hooks(const std::filesystem::path& config_path, bool need_webhook) {
    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) return tl::unexpected(loaded.error());
    if (!loaded->azure_devops)
        return fail(ErrorCode::config, "hooks need [azure_devops] in the config");
    if (loaded->server.public_url.empty())
        return fail(
            ErrorCode::config,
            "hooks need [server] public_url in the config (the base URL Azure DevOps calls)");
    if (need_webhook && (!loaded->webhook || loaded->webhook->passwords.empty()))
        return fail(ErrorCode::config,
                    "hooks sync needs [webhook] username and password_file: Azure DevOps must "
                    "authenticate to "
                    "/hooks/azure-devops");
    auto client = azure::make_http_client(*loaded->azure_devops);
    if (!client) return tl::unexpected(client.error());
    HooksContext ctx{std::move(*loaded), {}, std::move(*client)};
    ctx.identity = azure::make_identity(ctx.config);
    return ctx;
}

std::string deployments_text(const std::vector<std::string>& deployments) {
    std::string out;
    for (const auto& d : deployments) out += (out.empty() ? "" : ",") + d;
    return out.empty() ? "-" : out;
}

void print_item(const char* verb, const azure::PlanItem& item) {
    std::printf("%-8s %-44s %-36s %s  [%s] (%s)\n", verb, item.subscription.event_type.c_str(),
                item.subscription.id.empty() ? "(new)" : item.subscription.id.c_str(),
                item.filter.c_str(), deployments_text(item.deployments).c_str(),
                item.reason.c_str());
}

// The notification outbox from the store (read-only, beside a running
// serve): what `hooks list` shows under the subscriptions. Nothing when
// the store does not exist yet.
void print_outbox(const config::Config& config) {
    std::error_code ec;
    if (!std::filesystem::exists(config.storage.path, ec)) return;
    auto store =
        storage::Store::open({config.storage.path, config.storage.max_size_mb << 20, true});
    if (!store) return;
    auto outbox = storage::Outbox::open(**store);
    if (!outbox) return;
    auto counts = storage::read(**store, "read the outbox", [&](storage::Txn& txn) {
        return notify_counts(config, txn, *outbox);
    });
    if (!counts || counts->empty()) return;
    std::printf("\n%-24s %-8s %8s %8s %8s %8s\n", "NOTIFY", "KIND", "QUEUED", "SENT", "FAILED",
                "GAVE UP");
    for (const auto& t : *counts)
        std::printf("%-24s %-8s %8llu %8llu %8llu %8llu\n", t.name.c_str(),
                    t.kind.value_or("-").c_str(), static_cast<unsigned long long>(t.queued),
                    static_cast<unsigned long long>(t.tally.sent),
                    static_cast<unsigned long long>(t.tally.failed),
                    static_cast<unsigned long long>(t.tally.given_up));
}

int report(const Error& e) {
    std::fprintf(stderr, "%s\n", e.message.c_str());
    return 1;
}

}  // namespace

int run_hooks_sync(const std::filesystem::path& config_path, const HooksOptions& options) {
    auto ctx = open_hooks(config_path, true);
    if (!ctx) return report(ctx.error());
    auto result = azure::sync_hooks(*ctx->client, ctx->config, false);
    if (!result) return report(result.error());
    for (const auto& w : result->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    const auto& plan = result->plan;
    if (options.json) {
        std::printf("%s\n", azure::plan_json(plan).c_str());
    } else {
        for (const auto& item : plan.items) print_item(azure::to_string(item.action), item);
        std::size_t counts[3] = {0, 0, 0};
        for (const auto& item : plan.items) ++counts[static_cast<int>(item.action)];
        std::printf(
            "hooks sync%s: %zu to create, %zu to replace, %zu to remove, %zu unchanged (instance "
            "%s)\n",
            options.dry_run ? " --dry-run" : "", counts[0], counts[1], counts[2], plan.unchanged,
            result->instance.c_str());
    }
    if (options.dry_run || plan.empty()) return 0;
    auto applied = azure::apply_plan(*ctx->client, plan);
    if (!applied)
        return report(Error{applied.error().code, "hooks sync: " + applied.error().message});
    if (!options.json) std::printf("hooks sync: done\n");
    return 0;
}

int run_hooks_list(const std::filesystem::path& config_path, const HooksOptions& options) {
    auto ctx = open_hooks(config_path, false);
    if (!ctx) return report(ctx.error());
    auto existing = ctx->client->list_subscriptions();
    if (!existing) return report(existing.error());
    std::vector<azure::Subscription> owned;
    for (const auto& s : *existing)
        if (azure::is_owned(s, ctx->identity.instance)) owned.push_back(s);
    // Which deployments need each one: best effort (a name that no longer
    // resolves just leaves the column empty; `hooks sync` reports it).
    std::map<std::string, std::vector<std::string>> users;  // eventType \n filter -> deployments
    if (auto ids = azure::resolve_names(*ctx->client, ctx->config)) {
        if (auto desired = azure::desired_hooks(ctx->config, ctx->identity, *ids))
            for (const auto& h : *desired)
                users[h.subscription.event_type + "\n" + h.filter] = h.deployments;
    }
    auto deployments_of = [&](const azure::Subscription& s) {
        auto it = users.find(s.event_type + "\n" + azure::canonical_filter(s.publisher_inputs));
        return it == users.end() ? std::vector<std::string>{} : it->second;
    };
    // The last delivery of each, from Azure DevOps' notification history
    // (best effort: without it the column says "-").
    std::map<std::string, azure::Notification> last;  // subscription id -> newest notification
    if (!owned.empty()) {
        std::vector<std::string> ids;
        for (const auto& s : owned) ids.push_back(s.id);
        auto since = format_rfc3339(system_clock().now() - azure::k_notification_history);
        if (auto history = ctx->client->query_notifications(ids, since)) {
            for (auto& n : *history) {
                auto& slot = last[n.subscription_id];
                if (std::tie(n.created_date, n.id) >= std::tie(slot.created_date, slot.id))
                    slot = std::move(n);
            }
        }
    }
    auto last_text = [&](const azure::Subscription& s) {
        auto it = last.find(s.id);
        return it == last.end() ? std::string("-")
                                : it->second.result + " " + it->second.created_date;
    };
    if (options.json) {
        json::Writer w;
        w.begin_array();
        for (const auto& s : owned) {
            w.begin_object();
            azure::write_subscription_fields(w, s, deployments_of(s));
            if (auto it = last.find(s.id); it != last.end()) {
                w.key("last_delivery").begin_object().field("result", it->second.result);
                w.field("created_date", it->second.created_date).end_object();
            }
            w.end_object();
        }
        std::printf("%s\n", w.end_array().str().c_str());
        return 0;
    }
    std::printf("%-36s %-26s %-44s %-40s %-30s %s\n", "ID", "STATUS", "EVENT", "DEPLOYMENTS",
                "LAST DELIVERY", "FILTER");
    for (const auto& s : owned) {
        std::string status = s.status;
        if (s.probation_retries > 0)
            status += " (" + std::to_string(s.probation_retries) + " retries)";
        std::printf("%-36s %-26s %-44s %-40s %-30s %s\n", s.id.c_str(), status.c_str(),
                    s.event_type.c_str(), deployments_text(deployments_of(s)).c_str(),
                    last_text(s).c_str(), azure::canonical_filter(s.publisher_inputs).c_str());
    }
    if (owned.empty())
        std::printf("(no subscriptions owned by instance %s)\n", ctx->identity.instance.c_str());
    print_outbox(ctx->config);
    return 0;
}

int run_hooks_remove(const std::filesystem::path& config_path, const HooksOptions& options) {
    auto ctx = open_hooks(config_path, false);
    if (!ctx) return report(ctx.error());
    auto existing = ctx->client->list_subscriptions();
    if (!existing) return report(existing.error());
    auto plan = azure::plan_remove_all(*existing, ctx->identity.instance);
    if (options.dry_run) {
        // The deletions exactly as `hooks sync --dry-run` lists them.
        if (options.json) {
            std::printf("%s\n", azure::plan_json(plan).c_str());
        } else {
            for (const auto& item : plan.items) print_item(azure::to_string(item.action), item);
            std::printf("hooks remove --dry-run: %zu subscription(s) to remove (instance %s)\n",
                        plan.items.size(), ctx->identity.instance.c_str());
        }
        return 0;
    }
    auto applied = azure::apply_plan(*ctx->client, plan, [&](const azure::PlanItem& item) {
        if (!options.json) print_item("removed", item);
    });
    if (!applied)
        return report(Error{applied.error().code, "hooks remove: " + applied.error().message});
    if (options.json)
        std::printf("%s\n", azure::plan_json(plan).c_str());
    else
        std::printf("hooks remove: %zu subscription(s) removed (instance %s)\n", plan.items.size(),
                    ctx->identity.instance.c_str());
    return 0;
}

}  // namespace shiplog::daemon
