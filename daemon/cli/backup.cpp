// `shiplog backup DEST_DIR`: a consistent, compacted copy of the store, safe
// while `serve` keeps writing. LMDB's compacting copy walks the tree inside one
// read transaction, so the copy is the state of one committed transaction and
// the writer is never blocked (readers and the writer do not lock each other).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

#include "config/load_config.hpp"
#include "daemon/commands.hpp"
#include "storage/store.hpp"

namespace shiplog::daemon {
namespace fs = std::filesystem;
namespace {

// Same name LMDB gives the data file, so the backup folder is a store folder:
// point storage.path at it (or `mdb_stat -e` it) and it opens as is.
constexpr const char* k_data_file = "data.mdb";
// The journal holds raw webhook bodies: as private as the store itself.
constexpr mode_t k_dir_mode = 0700;
constexpr mode_t k_file_mode = 0600;

std::string quoted(const fs::path& path) {
    return "'" + path.string() + "'";
}

void fail_line(const std::string& message) {
    std::fprintf(stderr, "backup: %s\n", message.c_str());
}

std::string errno_text(int err) {
    return std::error_code(err, std::generic_category()).message();
}

// fsync on a folder makes the entries created in it (the data file, or the
// folder itself in its parent) survive a crash, not just the file contents.
bool fsync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

// Makes `dest` an empty folder ready for the copy. Sets `created` when this
// call made it, so a failed copy can leave things as it found them.
bool prepare_dest(const fs::path& dest, bool& created) {
    std::error_code ec;
    const auto status = fs::status(dest, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        fail_line("cannot inspect " + quoted(dest) + ": " + ec.message());
        return false;
    }
    if (fs::exists(status)) {
        if (!fs::is_directory(status)) {
            fail_line(quoted(dest) + " exists and is not a folder");
            return false;
        }
        // Never mix a new copy with what is already there (an older backup,
        // or by mistake the live store itself).
        if (!fs::is_empty(dest, ec) || ec) {
            fail_line(ec ? "cannot read " + quoted(dest) + ": " + ec.message()
                         : quoted(dest) + " is not empty; give a new or empty folder");
            return false;
        }
        return true;
    }
    if (dest.has_parent_path()) {
        fs::create_directories(dest.parent_path(), ec);
        if (ec) {
            fail_line("cannot create " + quoted(dest.parent_path()) + ": " + ec.message());
            return false;
        }
    }
    if (::mkdir(dest.c_str(), k_dir_mode) != 0) {
        fail_line("cannot create " + quoted(dest) + ": " + errno_text(errno));
        return false;
    }
    created = true;
    return true;
}

}  // namespace

int run_backup(const fs::path& config_path, const fs::path& dest_dir) {
    auto loaded = config::load_config(config_path, config::Environment::process());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 1;
    }
    const auto& storage_cfg = loaded->storage;

    // Read-only is enough: the compacting copy only needs a read transaction,
    // and a read-only open never creates a store where there was none.
    auto store = storage::Store::open({storage_cfg.path, storage_cfg.max_size_mb << 20, true});
    if (!store) {
        std::fprintf(stderr, "store %s: %s\n", storage_cfg.path.c_str(),
                     store.error().message.c_str());
        return 1;
    }

    bool created_dir = false;
    if (!prepare_dest(dest_dir, created_dir)) return 1;

    const fs::path data_path = dest_dir / k_data_file;
    // Our own fd rather than mdb_env_copy2(path): the same copy, but the file
    // gets 0600 instead of 0666 & umask, and we can fsync it before saying
    // "written" (LMDB does not). O_EXCL: never overwrite, even if something
    // appeared in the folder since the emptiness check.
    const int fd = ::open(data_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, k_file_mode);
    if (fd < 0) {
        fail_line("cannot create " + quoted(data_path) + ": " + errno_text(errno));
        if (created_dir) ::rmdir(dest_dir.c_str());
        return 1;
    }

    std::string problem;
    if (auto copied =
            storage::copy_compacted(**store, fd, "copy the store at " + quoted(storage_cfg.path));
        !copied) {
        problem = copied.error().message;
    } else if (::fsync(fd) != 0) {
        problem = "cannot flush " + quoted(data_path) + " to disk: " + errno_text(errno);
    }
    struct stat st {};
    if (problem.empty() && ::fstat(fd, &st) != 0)
        problem = "cannot stat " + quoted(data_path) + ": " + errno_text(errno);
    if (::close(fd) != 0 && problem.empty())
        problem = "cannot write " + quoted(data_path) + ": " + errno_text(errno);
    if (problem.empty() && !fsync_dir(dest_dir))
        problem = "cannot flush " + quoted(dest_dir) + " to disk: " + errno_text(errno);
    if (problem.empty() && created_dir) {
        const fs::path parent = dest_dir.has_parent_path() ? dest_dir.parent_path() : fs::path(".");
        if (!fsync_dir(parent))
            problem = "cannot flush " + quoted(parent) + " to disk: " + errno_text(errno);
    }

    if (!problem.empty()) {
        // A half-written copy must not pass for a backup, nor block a retry
        // into the same folder ("not empty").
        fail_line(problem);
        ::unlink(data_path.c_str());
        if (created_dir) ::rmdir(dest_dir.c_str());
        return 1;
    }
    std::printf("backup written to %s (%lld bytes)\n", dest_dir.c_str(),
                static_cast<long long>(st.st_size));
    return 0;
}

}  // namespace shiplog::daemon
