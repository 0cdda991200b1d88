// [[notify]] messages are queued with the fact that causes them: one per
// event and target, with the documented ids; none for old facts, for
// deployments a target filters out, on reopen, on a replayed event or
// during reindex; nothing at all without a [[notify]].
#include <string>
#include <vector>

#include "storage/outbox.hpp"
#include "tracking/impact.hpp"
#include "tracking_fixture.hpp"

namespace shiplog::tracking::test {
namespace {

using handlers::ImpactType;

config::NotifyConfig target(std::string name, std::vector<std::string> events,
                            std::vector<std::string> deployments = {}) {
    config::NotifyConfig n;
    n.name = std::move(name);
    n.kind = config::NotifyKind::webhook;
    n.url = Secret("http://127.0.0.1:9/never-used");
    n.host = "127.0.0.1:9";
    n.events = std::move(events);
    n.deployments = std::move(deployments);
    return n;
}

const std::vector<std::string> k_all = {"deploy.succeeded", "deploy.failed", "deploy.rollback",
                                        "incident.opened"};

class NotifyOutboxTest : public TrackingTest {
  protected:
    void SetUp() override {
        TrackingTest::SetUp();
        m_config->incident_sources.push_back(
            {"pager", config::IncidentSourceKind::api, "web-api", "production"});
    }

    // "<target> <event id>" per queued message, oldest first.
    std::vector<std::string> queued() {
        auto outbox = storage::Outbox::open(*m_store);
        EXPECT_OK(outbox);
        auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
        auto rows = outbox->pending(txn, 1000);
        EXPECT_OK(rows);
        std::vector<std::string> out;
        for (const auto& row : *rows)
            out.push_back(row.message.target + " " + row.message.event_id);
        return out;
    }

    std::uint64_t impact(ImpactType type, const std::string& id, Timestamp date,
                         const std::string& event_id) {
        ImpactRecord r;
        r.source = "pager";
        r.kind = config::IncidentSourceKind::api;
        r.type = type;
        r.external_id = id;
        r.date = date;
        r.title = "checkout is down";
        return deliver(std::string(k_impact_event_type), make_impact_record(r), std::nullopt,
                       storage::EventSource::register_deploy, event_id);
    }
};

TEST_F(NotifyOutboxTest, NothingIsQueuedWithoutANotify) {
    push(1, at(9'990), k_zero, sha(1), {{sha(1)}});
    register_deploy(sha(2), at(9'995), DeployStatus::failed);
    impact(ImpactType::triggered, "INC-1", at(9'996), "i1");
    ASSERT_EQ(deploys().size(), 2u);
    EXPECT_TRUE(queued().empty());
}

TEST_F(NotifyOutboxTest, EachDeployAndIncidentQueuesOncePerTarget) {
    m_config->notify.push_back(target("all", k_all));
    m_config->notify.push_back(target("failures", {"deploy.failed", "deploy.rollback"}));
    m_config->notify.push_back(target("elsewhere", k_all, {"other-app"}));

    push(1, at(0), k_zero, sha(1), {{sha(1)}});  // a week before it arrived: history
    const auto s2 = push(2, at(9'990), sha(1), sha(2), {{sha(2)}}, "refs/heads/main", "p2");
    const auto s3 = register_deploy(sha(3), at(9'991), DeployStatus::failed);
    const auto s4 = push(4, at(9'992), sha(2), sha(1), {});  // back to sha 1: a rollback
    const auto i1 = impact(ImpactType::triggered, "INC-1", at(9'993), "i1");
    ASSERT_EQ(deploys().size(), 4u);
    ASSERT_GT(i1, 0u);
    const std::string p = "web-api:production:";
    const std::vector<std::string> expected = {
        "all deploy.succeeded:" + p + std::to_string(s2),
        "all deploy.failed:" + p + std::to_string(s3),
        "failures deploy.failed:" + p + std::to_string(s3),
        "all deploy.rollback:" + p + std::to_string(s4),
        "failures deploy.rollback:" + p + std::to_string(s4),
        "all incident.opened:api:pager:INC-1",
    };
    EXPECT_EQ(queued(), expected);

    // Resolved and reopened: still one incident.opened. A replayed event
    // (same id) changes nothing.
    impact(ImpactType::resolved, "INC-1", at(9'994), "i2");
    impact(ImpactType::reopened, "INC-1", at(9'995), "i3");
    EXPECT_EQ(push(2, at(9'990), sha(1), sha(2), {{sha(2)}}, "refs/heads/main", "p2"), 0u);
    // The same push again under another event id is the same fact.
    EXPECT_GT(push(2, at(9'990), sha(1), sha(2), {{sha(2)}}, "refs/heads/main", "p2-again"), 0u);
    EXPECT_EQ(queued(), expected);

    // Reindex rebuilds the deploys but sends nothing again or anew.
    ASSERT_OK(reindex(*m_store, *m_config));
    reopen();
    EXPECT_EQ(queued(), expected);
}

TEST_F(NotifyOutboxTest, TheMessageCarriesTheDeployAsTheApiShowsIt) {
    m_config->notify.push_back(target("all", k_all));
    const auto seq = push(1, at(9'990), k_zero, sha(1), {{sha(1)}});
    auto outbox = storage::Outbox::open(*m_store);
    ASSERT_OK(outbox);
    auto txn = lmdb::txn::begin(m_store->env().handle(), nullptr, MDB_RDONLY);
    auto rows = outbox->pending(txn, 10);
    ASSERT_OK(rows);
    ASSERT_EQ(rows->size(), 1u);
    const auto& m = (*rows)[0].message;
    EXPECT_EQ(m.event, "deploy.succeeded");
    EXPECT_EQ(m.deployment, "web-api");
    EXPECT_EQ(m.environment, "production");
    EXPECT_EQ(m.occurred_at, at(9'990));
    EXPECT_EQ(m.queued_at, at(10'000));
    auto view = get_deploy(txn, m_projector->tables(), "web-api:production:" + std::to_string(seq));
    ASSERT_OK(view);
    EXPECT_EQ(m.subject, deploy_json(*view));
}

}  // namespace
}  // namespace shiplog::tracking::test
