// reload_config() (SIGHUP): a broken file keeps the previous config in force
// and the returned error says why, so serve can put it in STATUS= without
// reading the file a second time.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "config/load_config.hpp"
#include "daemon/config_holder.hpp"
#include "daemon/reload.hpp"
#include "support/temp_dir.hpp"

namespace shiplog::daemon {
namespace {

std::string config_text(int port, const std::string& extra = "") {
    return "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) +
           "\"\n\n[storage]\npath = \"store\"\n\n"
           "[[deployment]]\nname = \"web-api\"\nenvironment = \"production\"\n"
           "project = \"Contoso\"\nrepository = \"web-api\"\nbranch = \"main\"\n"
           "trigger = \"push\"\n" +
           extra;
}

config::Environment no_environment() {
    return {[](std::string_view) -> std::optional<std::string> { return std::nullopt; }};
}

TEST(ReloadConfig, ABrokenFileKeepsTheOldConfigAndSaysWhy) {
    testing::TempDir dir;
    const auto path = dir.write("shiplog.toml", config_text(8081));
    const auto env = no_environment();
    auto initial = config::load_config(path, env);
    ASSERT_TRUE(initial) << initial.error().message;
    ConfigHolder holder(std::move(*initial));

    dir.write("shiplog.toml", config_text(8082, "bogus_key = true\n"));
    auto failed = reload_config(path, env, holder);
    ASSERT_FALSE(failed.has_value());
    EXPECT_NE(failed.error().message.find("bogus_key"), std::string::npos)
        << failed.error().message;
    EXPECT_EQ(failed.error().message.find('\n'), std::string::npos) << failed.error().message;
    EXPECT_EQ(holder.get()->server.listen_port, 8081);  // the previous config stays

    dir.write("shiplog.toml", config_text(8083));
    auto reloaded = reload_config(path, env, holder);
    ASSERT_TRUE(reloaded.has_value()) << reloaded.error().message;
    EXPECT_EQ(holder.get()->server.listen_port, 8083);
}

}  // namespace
}  // namespace shiplog::daemon
