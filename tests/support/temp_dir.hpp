#pragma once
// A fresh directory per test under $TMPDIR. Removed when the test passed;
// left on disk (and its path printed) when it failed, for post-mortems.
#include <filesystem>
#include <string>

namespace shiplog::testing {

class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

    // Writes `content` to path()/name (creating folders) and returns the full path.
    std::filesystem::path write(
        const std::string& name, const std::string& content,
        std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                       std::filesystem::perms::owner_write) const;

  private:
    std::filesystem::path m_path;
};

// Reads a whole file; empty string when missing.
std::string read_file(const std::filesystem::path& path);

}  // namespace shiplog::testing
