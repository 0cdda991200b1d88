#include "common/suggest.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shiplog {
namespace {

const std::vector<std::string> k_names = {"web-api", "worker", "billing", "web-ui"};

TEST(ClosestName, OneTypo) {
    EXPECT_EQ(closest_name("web-apii", k_names), "web-api");
    EXPECT_EQ(closest_name("wrker", k_names), "worker");
    EXPECT_EQ(closest_name("bililng", k_names), "billing");  // swapped neighbours
    EXPECT_EQ(closest_name("Web-API", k_names), "web-api");  // case
}

TEST(ClosestName, PicksTheClosest) {
    EXPECT_EQ(closest_name("web-uj", k_names), "web-ui");
    EXPECT_EQ(closest_name("web-ap", k_names), "web-api");
}

TEST(ClosestName, NothingWhenFarOff) {
    EXPECT_FALSE(closest_name("frontend", k_names));
    EXPECT_FALSE(closest_name("", k_names));
    EXPECT_FALSE(closest_name("web-api", {}));
    EXPECT_FALSE(closest_name("xyz", {"abc"}));
    EXPECT_FALSE(closest_name(std::string(1000, 'a'), k_names));
}

TEST(ClosestName, ShortNamesAllowOneEditOnly) {
    const std::vector<std::string> envs = {"prod", "dev"};
    EXPECT_EQ(closest_name("prd", envs), "prod");
    EXPECT_FALSE(closest_name("pr", envs));
}

}  // namespace
}  // namespace shiplog
