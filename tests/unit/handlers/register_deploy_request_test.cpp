#include "handlers/register_deploy_request.hpp"

#include <gtest/gtest.h>

#include "common/time_format.hpp"
#include "support/expect_ok.hpp"

namespace shiplog::handlers {
namespace {

constexpr const char* k_sha = "0123456789ABCDEF0123456789abcdef01234567";

TEST(RegisterDeployRequest, OnlyShaIsRequired) {
    auto r = parse_register_deploy_request(std::string(R"({"sha":")") + k_sha + "\"}");
    ASSERT_OK(r);
    EXPECT_EQ(r->sha, "0123456789abcdef0123456789abcdef01234567");
    EXPECT_FALSE(r->environment);
    EXPECT_FALSE(r->date);
    EXPECT_FALSE(r->ignore_if_duplicate);
    EXPECT_FALSE(r->failed);
}

TEST(RegisterDeployRequest, ReadsEverySleuthField) {
    auto r = parse_register_deploy_request(
        std::string(R"({"sha":")") + k_sha +
        R"(","environment":"production","date":"2026-11-20T10:00:00+01:00","tags":"#a #b",)"
        R"("email":"ci@contoso.example","ignore_if_duplicate":true,"status":"failed","extra":[1]})");
    ASSERT_OK(r);
    EXPECT_EQ(r->environment.value_or(""), "production");
    ASSERT_TRUE(r->date);
    EXPECT_EQ(format_rfc3339(*r->date), "2026-11-20T09:00:00Z");
    EXPECT_EQ(r->tags, "#a #b");
    EXPECT_EQ(r->email, "ci@contoso.example");
    EXPECT_TRUE(r->ignore_if_duplicate);
    EXPECT_TRUE(r->failed);
}

TEST(RegisterDeployRequest, ErrorsNameTheField) {
    struct Case {
        std::string body;
        std::string expected;
    };
    for (const auto& c : std::vector<Case>{
             {"{}", "sha"},
             {R"({"sha":"abc"})", "sha: \"abc\" is not a 40-hex commit id"},
             {std::string(R"({"sha":")") + k_sha + R"(","date":"yesterday"})", "date: "},
             {std::string(R"({"sha":")") + k_sha + R"(","status":"meh"})",
              "status: \"meh\" is not one of succeeded, failed"},
             {"[1]", "not a JSON object"},
             {"{", "not valid JSON"},
         }) {
        auto r = parse_register_deploy_request(c.body);
        ASSERT_FALSE(r.has_value()) << c.body;
        EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(r.error().message.find(c.expected), std::string::npos) << r.error().message;
    }
}

}  // namespace
}  // namespace shiplog::handlers
