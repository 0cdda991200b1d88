// The request-duration histogram: record_request() counts each request in
// its own bucket only; render() must still print Prometheus' cumulative
// buckets (le = "at most this many seconds").

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "daemon/metrics.hpp"

namespace shiplog::daemon {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

std::string bucket(const std::string& text, const std::string& le) {
    const std::string key =
        "shiplog_http_request_duration_seconds_bucket{route=\"webhook\",le=\"" + le + "\"} ";
    auto pos = text.find(key);
    if (pos == std::string::npos) return "missing";
    auto eol = text.find('\n', pos);
    return text.substr(pos + key.size(), eol - pos - key.size());
}

TEST(MetricsHistogram, BucketsAreCumulativeAndEndAtTheCount) {
    Metrics metrics;
    metrics.record_request(HttpRoute::webhook, 200, microseconds{300});   // <= 0.0005
    metrics.record_request(HttpRoute::webhook, 200, microseconds{500});   // exactly on a bound
    metrics.record_request(HttpRoute::webhook, 200, milliseconds{3});     // <= 0.005
    metrics.record_request(HttpRoute::webhook, 503, milliseconds{2000});  // <= 5
    metrics.record_request(HttpRoute::webhook, 200, milliseconds{9000});  // beyond the last bound
    metrics.record_request(HttpRoute::healthz, 200, microseconds{100});   // another route

    const std::string text = metrics.render(StoreGauges{});
    EXPECT_EQ(bucket(text, "0.0005"), "2");
    EXPECT_EQ(bucket(text, "0.001"), "2");
    EXPECT_EQ(bucket(text, "0.0025"), "2");
    EXPECT_EQ(bucket(text, "0.005"), "3");
    EXPECT_EQ(bucket(text, "1"), "3");
    EXPECT_EQ(bucket(text, "5"), "4");
    EXPECT_EQ(bucket(text, "+Inf"), "5");
    EXPECT_NE(text.find("shiplog_http_request_duration_seconds_count{route=\"webhook\"} 5\n"),
              std::string::npos);
    EXPECT_NE(
        text.find(
            "shiplog_http_request_duration_seconds_bucket{route=\"healthz\",le=\"0.0005\"} 1\n"),
        std::string::npos);
}

}  // namespace
}  // namespace shiplog::daemon
