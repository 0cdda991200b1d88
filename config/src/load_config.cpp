// Reads the TOML config (docs/reference/config.md) into one Config. toml++ gives us the tree
// and the line of every key and value; everything else here is validation.
//
// Messages follow one shape, "<file>:<line>: <key path>: <problem>", where the
// file is the path exactly as the caller gave it, the line is 1-based (omitted
// when toml++ has none, e.g. for a table that is missing altogether), and the
// key path is dotted with 0-based indexes for [[deployment]] entries (the
// first entry is deployment[0]), like jq/yq/dasel would address it.
//
// Text taken from the file is quoted and escaped so a message stays on one
// line; secret values never reach a message (only their paths or the name of
// the variable/credential they came from).

#include "config/load_config.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <utility>

#include <toml++/toml.h>

#include "common/ascii.hpp"

namespace shiplog::config {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_max_secret_bytes = 64 * 1024;  // far more than any PAT or password
constexpr std::size_t k_max_config_bytes = 4 * 1024 * 1024;
constexpr std::int64_t k_min_body_bytes = 1024;
constexpr std::int64_t k_max_body_bytes = std::int64_t{1} << 30;  // 1 GiB
constexpr std::int64_t k_min_size_mb = 1;
constexpr std::int64_t k_max_size_mb = std::int64_t{1} << 24;  // 16 TiB of map
constexpr std::size_t k_max_shown = 80;                        // longest quoted value in a message
// A connection costs a descriptor and a little memory; a million is past any
// sane RLIMIT_NOFILE, so a larger number can only be a typo.
constexpr std::int64_t k_max_connections = 1'000'000;
constexpr std::int64_t k_min_request_timeout_s = 1;
constexpr std::int64_t k_max_request_timeout_s = 300;

// One printable line: control characters and non-ASCII bytes are escaped,
// long values are cut, so a message never spans lines or hides characters.
// `quotable` also escapes '"' and '\\' (for text shown between quotes).
std::string printable(std::string_view text, std::size_t max = k_max_shown, bool quotable = true) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (quotable && (c == '"' || c == '\\')) {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            static constexpr char k_hex[] = "0123456789abcdef";
            out += "\\x";
            out += k_hex[c >> 4];
            out += k_hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string in_quotes(std::string_view text) {
    return "\"" + printable(text) + "\"";
}

bool is_bare_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

std::string key_path(std::string_view parent, std::string_view key) {
    std::string shown = is_bare_key(key) ? std::string(key) : in_quotes(key);
    return parent.empty() ? shown : std::string(parent) + "." + shown;
}

std::string join(std::initializer_list<std::string_view> items) {
    std::string out;
    for (auto item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

const char* type_name(toml::node_type type) {
    switch (type) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::uint32_t line_of(const toml::node& node) {
    return node.source().begin.line;
}

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

bool is_slug(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

// "host:port" or "[v6]:port". On failure returns nullopt and says why.
struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
    bool loopback = false;
};

std::optional<ListenAddress> parse_listen(std::string_view text, std::string& why) {
    ListenAddress out;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            why = "expected [ipv6]:port, e.g. [::1]:8080";
            return std::nullopt;
        }
        out.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
        in6_addr addr{};
        if (::inet_pton(AF_INET6, out.host.c_str(), &addr) != 1) {
            why = "\"" + printable(out.host) + "\" in brackets is not an IPv6 address";
            return std::nullopt;
        }
        static constexpr std::array<unsigned char, 16> k_v6_loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                                     0, 0, 0, 0, 0, 0, 0, 1};
        bool mapped_v4_loopback =
            std::all_of(addr.s6_addr, addr.s6_addr + 10, [](auto b) { return b == 0; }) &&
            addr.s6_addr[10] == 0xff && addr.s6_addr[11] == 0xff && addr.s6_addr[12] == 127;
        out.loopback = std::equal(k_v6_loopback.begin(), k_v6_loopback.end(), addr.s6_addr) ||
                       mapped_v4_loopback;
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            why = "expected host:port, e.g. 127.0.0.1:8080";
            return std::nullopt;
        }
        out.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
        if (out.host.find(':') != std::string::npos) {
            why = "an IPv6 address needs brackets, e.g. [::1]:8080";
            return std::nullopt;
        }
        in_addr addr{};
        if (::inet_pton(AF_INET, out.host.c_str(), &addr) == 1) {
            out.loopback = (ntohl(addr.s_addr) >> 24) == 127;
        } else {
            // A host name: letters, digits, dots and hyphens (RFC 1123).
            bool valid = !out.host.empty() && out.host.front() != '-' && out.host.front() != '.' &&
                         std::all_of(out.host.begin(), out.host.end(), [](char c) {
                             return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                    (c >= '0' && c <= '9') || c == '.' || c == '-';
                         });
            if (!valid) {
                why = out.host.empty()
                          ? "the host is empty"
                          : "\"" + printable(out.host) + "\" is not a host name or address";
                return std::nullopt;
            }
            out.loopback = ascii::iequals(out.host, "localhost");
        }
    }
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        why = "\"" + printable(port) + "\" is not a port number (0-65535)";
        return std::nullopt;
    }
    unsigned long value = std::stoul(std::string(port));
    if (value > 65535) {
        why = std::to_string(value) + " is not a port number (0-65535)";
        return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
    return out;
}

// Checks scheme and host of an http(s) URL; returns it without trailing '/'.
// Sets `https` so the caller can decide whether plain http is acceptable.
std::optional<std::string> parse_http_url(std::string_view text, bool& https, std::string& why) {
    std::size_t scheme_end = 0;
    if (ascii::istarts_with(text, "https://")) {
        https = true;
        scheme_end = 8;
    } else if (ascii::istarts_with(text, "http://")) {
        https = false;
        scheme_end = 7;
    } else {
        why = in_quotes(text) + " is not an http:// or https:// URL";
        return std::nullopt;
    }
    std::string_view rest = text.substr(scheme_end);
    std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.empty()) {
        why = in_quotes(text) + " has no host";
        return std::nullopt;
    }
    if (std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; }) ||
        rest.find_first_of("?#") != std::string_view::npos) {
        why = in_quotes(text) + " must be a plain base URL (no spaces, query or fragment)";
        return std::nullopt;
    }
    std::string url(text);
    while (url.size() > scheme_end + host.size() && url.back() == '/') url.pop_back();
    return url;
}

// The raw bytes of one secret and where they came from (for messages: never
// the value itself).
struct SecretText {
    std::string value;
    std::string origin;  // e.g. "environment variable SHIPLOG_API_TOKEN"
};

// Splits a secret into lines: "\n" or "\r\n" separated, the final line break
// optional. Trailing empty lines are dropped.
std::vector<std::string> secret_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        start = end + 1;
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
}

// Describes one secret setting: the file key in the section, its env var and
// its systemd credential name.
struct SecretSpec {
    std::string_view section;     // "webhook"
    std::string_view file_key;    // "password_file"
    std::string_view env_var;     // "SHIPLOG_WEBHOOK_PASSWORD"
    std::string_view credential;  // "webhook-password"
    std::string_view what;        // "password"
    std::size_t max_lines;        // 2 for the webhook password (rotation), else 1
};

class Loader {
  public:
    Loader(const fs::path& path, const Environment& env) : m_file(path.string()), m_env(env) {
        std::error_code ec;
        fs::path absolute = fs::absolute(path, ec);
        m_config.source_file = ec ? path : absolute.lexically_normal();
        m_base_dir = m_config.source_file.parent_path();
    }

    Result<Config> load(const toml::table& root) {
        SHIPLOG_TRY(check_keys(root, "",
                               {"server", "storage", "azure_devops", "webhook", "api", "deployment",
                                "failures", "incident_source", "notify"}));
        SHIPLOG_TRY(load_storage(root));
        SHIPLOG_TRY(load_azure_devops(root));
        SHIPLOG_TRY(load_webhook(root));
        SHIPLOG_TRY(load_api(root));
        SHIPLOG_TRY(load_server(root));  // after webhook/api: a public listen needs both
        SHIPLOG_TRY(load_deployments(root));
        SHIPLOG_TRY(load_failures(root));
        SHIPLOG_TRY(load_incident_sources(root));  // after deployments: it names them
        SHIPLOG_TRY(load_notify(root));            // after deployments: it names them
        return std::move(m_config);
    }

    tl::unexpected<Error> error(std::uint32_t line, std::string_view key,
                                std::string_view problem) const {
        return fail(ErrorCode::config, message(line, key, problem));
    }

    std::string message(std::uint32_t line, std::string_view key, std::string_view problem) const {
        std::string out = m_file;
        if (line > 0) out += ":" + std::to_string(line);
        out += ": ";
        if (!key.empty()) {
            out += key;
            out += ": ";
        }
        out += problem;
        return out;
    }

  private:
    void warn(std::uint32_t line, std::string_view key, std::string_view problem) {
        m_config.warnings.push_back(message(line, key, problem));
    }

    fs::path resolve(const std::string& value) const {
        fs::path p(value);
        if (p.is_relative()) p = m_base_dir / p;
        return p.lexically_normal();
    }

    // Every key of `table` must be in `allowed`.
    Status check_keys(const toml::table& table, std::string_view path,
                      std::initializer_list<std::string_view> allowed) const {
        for (auto&& [key, value] : table) {
            (void)value;
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end())
                return error(key.source().begin.line, key_path(path, key.str()),
                             "unknown key (expected one of " + join(allowed) + ")");
        }
        return {};
    }

    // An optional sub-table of the root: nullptr when absent.
    Result<const toml::table*> section(const toml::table& root, std::string_view name) const {
        const toml::node* node = root.get(name);
        if (node == nullptr) return nullptr;
        if (!node->is_table())
            return error(line_of(*node), name,
                         std::string("expected a table ([") + std::string(name) + "]), got " +
                             type_name(node->type()));
        return node->as_table();
    }

    Result<std::optional<std::string>> opt_string(const toml::table& table, std::string_view path,
                                                  std::string_view key) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_string())
            return error(line_of(*node), key_path(path, key),
                         std::string("expected a string, got ") + type_name(node->type()));
        const std::string& value = node->as_string()->get();
        if (value.empty()) return error(line_of(*node), key_path(path, key), "must not be empty");
        if (has_control_character(value))
            return error(line_of(*node), key_path(path, key),
                         in_quotes(value) + " contains a control character");
        return value;
    }

    Result<std::string> req_string(const toml::table& table, std::string_view path,
                                   std::string_view key) const {
        auto value = opt_string(table, path, key);
        if (!value) return tl::unexpected<Error>(std::move(value.error()));
        if (!*value) return error(line_of(table), key_path(path, key), "required key is missing");
        return std::move(**value);
    }

    Result<std::optional<std::int64_t>> opt_int(const toml::table& table, std::string_view path,
                                                std::string_view key, std::int64_t min,
                                                std::int64_t max) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) return std::nullopt;
        if (!node->is_integer())
            return error(line_of(*node), key_path(path, key),
                         std::string("expected an integer, got ") + type_name(node->type()));
        std::int64_t value = node->as_integer()->get();
        if (value < min || value > max)
            return error(line_of(*node), key_path(path, key),
                         std::to_string(value) + " is out of range (" + std::to_string(min) +
                             " to " + std::to_string(max) + ")");
        return value;
    }

    Result<std::optional<std::vector<std::string>>> opt_string_array(const toml::table& table,
                                                                     std::string_view path,
                                                                     std::string_view key) const {
        const toml::node* node = table.get(key);
        if (node == nullptr) return std::nullopt;
        std::string name = key_path(path, key);
        if (!node->is_array())
            return error(
                line_of(*node), name,
                std::string("expected an array of strings, got ") + type_name(node->type()));
        std::vector<std::string> out;
        std::size_t index = 0;
        for (const toml::node& item : *node->as_array()) {
            std::string item_name = name + "[" + std::to_string(index++) + "]";
            if (!item.is_string())
                return error(line_of(item), item_name,
                             std::string("expected a string, got ") + type_name(item.type()));
            const std::string& value = item.as_string()->get();
            if (value.empty()) return error(line_of(item), item_name, "must not be empty");
            if (has_control_character(value))
                return error(line_of(item), item_name,
                             in_quotes(value) + " contains a control character");
            out.push_back(value);
        }
        return out;
    }

    // An array of networks ("10.0.0.0/8", "2001:db8::/32", a bare address);
    // absent => empty. Each bad item is named by its index and line.
    Result<std::vector<Cidr>> opt_cidr_array(const toml::table& table, std::string_view path,
                                             std::string_view key) const {
        auto texts = opt_string_array(table, path, key);
        if (!texts) return tl::unexpected<Error>(std::move(texts.error()));
        std::vector<Cidr> out;
        if (!*texts) return out;
        const toml::array& items = *table.get(key)->as_array();
        for (std::size_t i = 0; i < (*texts)->size(); ++i) {
            auto cidr = Cidr::parse((**texts)[i]);
            if (!cidr)
                return error(line_of(*items.get(i)),
                             key_path(path, key) + "[" + std::to_string(i) + "]",
                             printable(cidr.error().message, 200, false));
            out.push_back(std::move(*cidr));
        }
        return out;
    }

    // A path that must name an existing regular file (TLS material, CA bundle).
    Result<std::optional<fs::path>> opt_existing_file(const toml::table& table,
                                                      std::string_view path,
                                                      std::string_view key) const {
        auto value = opt_string(table, path, key);
        if (!value) return tl::unexpected<Error>(std::move(value.error()));
        if (!*value) return std::nullopt;
        fs::path resolved = resolve(**value);
        std::error_code ec;
        if (!fs::is_regular_file(resolved, ec))
            return error(
                line_of(*table.get(key)), key_path(path, key),
                in_quotes(resolved.string()) +
                    (fs::exists(resolved, ec) ? " is not a regular file" : " does not exist"));
        return resolved;
    }

    // Reads a secret file: a regular file, not readable/writable by group or
    // others (unless `check_mode` is off, for systemd credentials, which
    // systemd itself places in a private, per-service directory).
    Result<std::string> read_secret_file(const fs::path& file, std::uint32_t line,
                                         std::string_view key, bool check_mode) const {
        std::string shown = in_quotes(file.string());
        // O_NONBLOCK: opening a FIFO must not hang the loader; we only read
        // regular files, where it has no effect.
        int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            int err = errno;
            return error(line, key,
                         shown + ": " + (err == ENOENT ? "no such file" : std::strerror(err)));
        }
        struct FdCloser {
            int fd;
            ~FdCloser() { ::close(fd); }
        } closer{fd};
        struct stat st {};
        if (::fstat(fd, &st) != 0) return error(line, key, shown + ": " + std::strerror(errno));
        if (!S_ISREG(st.st_mode)) return error(line, key, shown + " is not a regular file");
        if (check_mode && (st.st_mode & 077) != 0) {
            char mode[8];
            std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
            return error(line, key,
                         shown + " is accessible by group or others (mode " + mode +
                             "); run: chmod 600 " + shown);
        }
        if (static_cast<std::uint64_t>(st.st_size) > k_max_secret_bytes)
            return error(line, key, shown + " is too large for a secret (over 64 KiB)");
        std::string content;
        char buffer[4096];
        for (;;) {
            ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n < 0) {
                if (errno == EINTR) continue;
                return error(line, key, shown + ": " + std::strerror(errno));
            }
            if (n == 0) break;
            content.append(buffer, static_cast<std::size_t>(n));
            if (content.size() > k_max_secret_bytes)
                return error(line, key, shown + " is too large for a secret (over 64 KiB)");
        }
        return content;
    }

    std::optional<std::string> getenv(std::string_view name) const {
        if (!m_env.getenv) return std::nullopt;
        return m_env.getenv(name);
    }

    // Precedence: the file key in the section, else the environment variable,
    // else the systemd credential. Returns the secret's lines (1..max_lines,
    // first non-empty).
    Result<std::vector<Secret>> load_secret(const toml::table& table,
                                            const SecretSpec& spec) const {
        std::uint32_t line = line_of(table);
        std::string key(spec.section);
        std::optional<SecretText> text;
        if (auto file = opt_string(table, spec.section, spec.file_key); !file) {
            return tl::unexpected<Error>(std::move(file.error()));
        } else if (*file) {
            key = key_path(spec.section, spec.file_key);
            line = line_of(*table.get(spec.file_key));
            fs::path resolved = resolve(**file);
            auto content = read_secret_file(resolved, line, key, true);
            if (!content) return tl::unexpected<Error>(std::move(content.error()));
            text = SecretText{std::move(*content), "file " + in_quotes(resolved.string())};
        } else if (auto value = getenv(spec.env_var)) {
            text =
                SecretText{std::move(*value), "environment variable " + std::string(spec.env_var)};
        } else if (auto dir = getenv("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
            fs::path credential = fs::path(*dir) / spec.credential;
            std::error_code ec;
            if (fs::exists(credential, ec)) {
                auto content = read_secret_file(credential, line, key, false);
                if (!content) return tl::unexpected<Error>(std::move(content.error()));
                text = SecretText{std::move(*content),
                                  "systemd credential \"" + std::string(spec.credential) + "\""};
            }
        }
        if (!text)
            return error(line, key,
                         std::string("no ") + std::string(spec.what) + ": set " +
                             std::string(spec.file_key) + ", or the environment variable " +
                             std::string(spec.env_var) + ", or the systemd credential \"" +
                             std::string(spec.credential) + "\"");
        std::vector<std::string> lines = secret_lines(text->value);
        if (lines.empty() || lines.front().empty())
            return error(line, key,
                         "the " + std::string(spec.what) + " from " + text->origin + " is empty");
        if (lines.size() > spec.max_lines)
            return error(
                line, key,
                text->origin + " holds " + std::to_string(lines.size()) + " lines; expected " +
                    (spec.max_lines == 1
                         ? std::string("one")
                         : "at most two (current " + std::string(spec.what) + ", then previous)"));
        std::vector<Secret> secrets;
        for (auto& l : lines) {
            if (l.empty()) continue;  // "current\n\n": no previous one
            secrets.emplace_back(std::move(l));
        }
        return secrets;
    }

    Status load_server(const toml::table& root) {
        auto table = section(root, "server");
        if (!table) return tl::unexpected<Error>(std::move(table.error()));
        ServerConfig& server = m_config.server;
        bool loopback = true;
        std::uint32_t listen_line = 0;
        if (*table != nullptr) {
            const toml::table& t = **table;
            SHIPLOG_TRY(check_keys(t, "server",
                                   {"listen", "public_url", "max_body_bytes", "tls_certificate",
                                    "tls_private_key", "trusted_proxies", "max_connections",
                                    "max_connections_per_ip", "request_timeout_s"}));
            auto listen = opt_string(t, "server", "listen");
            if (!listen) return tl::unexpected<Error>(std::move(listen.error()));
            if (*listen) {
                listen_line = line_of(*t.get("listen"));
                std::string why;
                auto address = parse_listen(**listen, why);
                if (!address)
                    return error(listen_line, "server.listen", in_quotes(**listen) + ": " + why);
                server.listen_host = address->host;
                server.listen_port = address->port;
                loopback = address->loopback;
            }
            auto public_url = opt_string(t, "server", "public_url");
            if (!public_url) return tl::unexpected<Error>(std::move(public_url.error()));
            if (*public_url) {
                std::uint32_t line = line_of(*t.get("public_url"));
                bool https = false;
                std::string why;
                auto url = parse_http_url(**public_url, https, why);
                if (!url) return error(line, "server.public_url", why);
                server.public_url = *url;
                if (!https)
                    warn(line, "server.public_url",
                         in_quotes(**public_url) +
                             " is not https: Azure DevOps Services sends basic-auth credentials "
                             "only over HTTPS");
            }
            auto body = opt_int(t, "server", "max_body_bytes", k_min_body_bytes, k_max_body_bytes);
            if (!body) return tl::unexpected<Error>(std::move(body.error()));
            if (*body) server.max_body_bytes = static_cast<std::size_t>(**body);
            auto cert = opt_existing_file(t, "server", "tls_certificate");
            if (!cert) return tl::unexpected<Error>(std::move(cert.error()));
            auto key = opt_existing_file(t, "server", "tls_private_key");
            if (!key) return tl::unexpected<Error>(std::move(key.error()));
            if (cert->has_value() != key->has_value()) {
                const char* present = *cert ? "tls_certificate" : "tls_private_key";
                const char* missing = *cert ? "tls_private_key" : "tls_certificate";
                return error(
                    line_of(*t.get(present)), key_path("server", present),
                    std::string("set together with ") + missing + " (both => HTTPS), or neither");
            }
            server.tls_certificate = *cert;
            server.tls_private_key = *key;
            SHIPLOG_TRY(load_server_limits(t));
        }
        if (!loopback) {
            for (auto [name, present] : {std::pair{"webhook", m_config.webhook.has_value()},
                                         std::pair{"api", m_config.api.has_value()}}) {
                if (!present)
                    return error(listen_line, "server.listen",
                                 in_quotes(server.listen_host) +
                                     " is not a loopback address, so a [" + name +
                                     "] section with credentials is required");
            }
        }
        if (m_config.azure_devops && server.public_url.empty())
            warn(*table ? line_of(**table) : 0, "server.public_url",
                 "not set: hooks sync cannot point Azure DevOps at this instance");
        return {};
    }

    // trusted_proxies, the connection caps and the request deadline.
    Status load_server_limits(const toml::table& t) {
        ServerConfig& server = m_config.server;
        auto proxies = opt_cidr_array(t, "server", "trusted_proxies");
        if (!proxies) return tl::unexpected<Error>(std::move(proxies.error()));
        server.trusted_proxies = std::move(*proxies);
        auto total = opt_int(t, "server", "max_connections", 1, k_max_connections);
        if (!total) return tl::unexpected<Error>(std::move(total.error()));
        if (*total) server.max_connections = static_cast<std::size_t>(**total);
        auto per_ip = opt_int(t, "server", "max_connections_per_ip", 1, k_max_connections);
        if (!per_ip) return tl::unexpected<Error>(std::move(per_ip.error()));
        if (*per_ip) server.max_connections_per_ip = static_cast<std::size_t>(**per_ip);
        if (!*per_ip) {
            // The default per-IP cap follows a lowered max_connections
            // rather than making the operator set both.
            server.max_connections_per_ip =
                std::min(server.max_connections_per_ip, server.max_connections);
        } else if (server.max_connections_per_ip > server.max_connections) {
            return error(line_of(*t.get("max_connections_per_ip")), "server.max_connections_per_ip",
                         std::to_string(server.max_connections_per_ip) +
                             " exceeds max_connections (" + std::to_string(server.max_connections) +
                             ")");
        }
        auto timeout = opt_int(t, "server", "request_timeout_s", k_min_request_timeout_s,
                               k_max_request_timeout_s);
        if (!timeout) return tl::unexpected<Error>(std::move(timeout.error()));
        if (*timeout) server.request_timeout = std::chrono::seconds(**timeout);
        return {};
    }

    Status load_storage(const toml::table& root) {
        auto table = section(root, "storage");
        if (!table) return tl::unexpected<Error>(std::move(table.error()));
        if (*table == nullptr)
            return error(0, "storage.path", "required key is missing (add a [storage] table)");
        const toml::table& t = **table;
        SHIPLOG_TRY(check_keys(t, "storage", {"path", "max_size_mb"}));
        auto path = req_string(t, "storage", "path");
        if (!path) return tl::unexpected<Error>(std::move(path.error()));
        m_config.storage.path = resolve(*path);
        auto size = opt_int(t, "storage", "max_size_mb", k_min_size_mb, k_max_size_mb);
        if (!size) return tl::unexpected<Error>(std::move(size.error()));
        if (*size) m_config.storage.max_size_mb = static_cast<std::size_t>(**size);
        return {};
    }

    // "major.minor", 5.0 or later: what shiplog calls exists from 5.0 on.
    static bool valid_api_version(std::string_view v) {
        const auto dot = v.find('.');
        if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size() || dot > 2 ||
            v.size() - dot - 1 > 2)
            return false;
        for (std::size_t i = 0; i < v.size(); ++i)
            if (i != dot && !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
        return std::stoi(std::string(v.substr(0, dot))) >= 5;
    }

    // Azure DevOps' webHooks consumer validates basicAuthUsername and
    // basicAuthPassword with ^\S+$ and a 256-character limit: anything else
    // is refused when the subscription is created.
    static constexpr const char* k_credential_rule =
        "must be 1 to 256 characters without spaces (Azure DevOps checks webhook credentials "
        "against ^\\S+$, at most 256 characters)";
    static bool azure_credential(std::string_view value) {
        if (value.empty() || value.size() > 256) return false;
        return std::none_of(value.begin(), value.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; });
    }

    Status load_azure_devops(const toml::table& root) {
        auto table = section(root, "azure_devops");
        if (!table) return tl::unexpected<Error>(std::move(table.error()));
        if (*table == nullptr) return {};
        const toml::table& t = **table;
        SHIPLOG_TRY(check_keys(t, "azure_devops",
                               {"organization_url", "token_file", "ca_file", "api_version"}));
        AzureDevOpsConfig azure;
        auto url = req_string(t, "azure_devops", "organization_url");
        if (!url) return tl::unexpected<Error>(std::move(url.error()));
        bool https = false;
        std::string why;
        auto parsed = parse_http_url(*url, https, why);
        if (!parsed)
            return error(line_of(*t.get("organization_url")), "azure_devops.organization_url", why);
        azure.organization_url = *parsed;
        auto ca = opt_existing_file(t, "azure_devops", "ca_file");
        if (!ca) return tl::unexpected<Error>(std::move(ca.error()));
        azure.ca_file = *ca;
        // The REST version to ask for; without it shiplog learns the
        // server's highest (Azure DevOps Server 2020 stops at 6.0).
        auto version = opt_string(t, "azure_devops", "api_version");
        if (!version) return tl::unexpected<Error>(std::move(version.error()));
        if (*version) {
            if (!valid_api_version(**version))
                return error(line_of(*t.get("api_version")), "azure_devops.api_version",
                             in_quotes(**version) +
                                 " is not a REST API version such as \"6.0\" or \"7.1\" "
                                 "(5.0 or later)");
            azure.api_version = std::move(**version);
        }
        auto token = load_secret(
            t, {"azure_devops", "token_file", "SHIPLOG_AZURE_TOKEN", "azure-token", "token", 1});
        if (!token) return tl::unexpected<Error>(std::move(token.error()));
        azure.token = std::move(token->front());
        m_config.azure_devops = std::move(azure);
        return {};
    }

    Status load_webhook(const toml::table& root) {
        auto table = section(root, "webhook");
        if (!table) return tl::unexpected<Error>(std::move(table.error()));
        if (*table == nullptr) {
            warn(0, "webhook",
                 "not configured: /hooks/azure-devops accepts only loopback clients (127.0.0.1, "
                 "::1)");
            return {};
        }
        const toml::table& t = **table;
        SHIPLOG_TRY(check_keys(t, "webhook", {"username", "password_file", "allow_from"}));
        WebhookConfig webhook;
        auto username = req_string(t, "webhook", "username");
        if (!username) return tl::unexpected<Error>(std::move(username.error()));
        if (username->find(':') != std::string::npos)
            return error(line_of(*t.get("username")), "webhook.username",
                         in_quotes(*username) +
                             " contains ':', which basic auth cannot carry in a user name");
        if (!azure_credential(*username))
            return error(line_of(*t.get("username")), "webhook.username",
                         in_quotes(*username) + " " + k_credential_rule);
        webhook.username = std::move(*username);
        auto passwords = load_secret(t, {"webhook", "password_file", "SHIPLOG_WEBHOOK_PASSWORD",
                                         "webhook-password", "password", 2});
        if (!passwords) return tl::unexpected<Error>(std::move(passwords.error()));
        for (const auto& password : *passwords)
            if (!azure_credential(password.reveal()))
                // Never show the password itself.
                return error(t.get("password_file") ? line_of(*t.get("password_file")) : 0,
                             "webhook.password_file",
                             std::string("the password ") + k_credential_rule);
        webhook.passwords = std::move(*passwords);
        auto allow_from = opt_cidr_array(t, "webhook", "allow_from");
        if (!allow_from) return tl::unexpected<Error>(std::move(allow_from.error()));
        if (t.get("allow_from") != nullptr && allow_from->empty())
            // An empty list would read as "nobody" but mean "anybody".
            return error(line_of(*t.get("allow_from")), "webhook.allow_from",
                         "is empty: remove the key to accept every network, or list networks");
        webhook.allow_from = std::move(*allow_from);
        m_config.webhook = std::move(webhook);
        return {};
    }

    Status load_api(const toml::table& root) {
        auto table = section(root, "api");
        if (!table) return tl::unexpected<Error>(std::move(table.error()));
        if (*table == nullptr) {
            warn(0, "api", "not configured: /api/* accepts only loopback clients (127.0.0.1, ::1)");
            return {};
        }
        const toml::table& t = **table;
        SHIPLOG_TRY(check_keys(t, "api", {"token_file"}));
        auto token =
            load_secret(t, {"api", "token_file", "SHIPLOG_API_TOKEN", "api-token", "token", 1});
        if (!token) return tl::unexpected<Error>(std::move(token.error()));
        m_config.api = ApiConfig{std::move(token->front())};
        return {};
    }

    Status load_deployments(const toml::table& root) {
        const toml::node* node = root.get("deployment");
        if (node == nullptr) {
            warn(0, "deployment",
                 "no [[deployment]] entries: every event will be journaled and ignored");
            return {};
        }
        if (!node->is_array())
            return error(line_of(*node), "deployment",
                         std::string("expected an array of tables ([[deployment]]), got ") +
                             type_name(node->type()));
        if (node->as_array()->empty())
            warn(line_of(*node), "deployment",
                 "no [[deployment]] entries: every event will be journaled and ignored");
        // (name, environment) -> line of the first entry, to name both in a duplicate error.
        std::map<std::pair<std::string, std::string>, std::uint32_t> seen;
        std::size_t index = 0;
        for (const toml::node& item : *node->as_array()) {
            std::string path = "deployment[" + std::to_string(index++) + "]";
            if (!item.is_table())
                return error(line_of(item), path,
                             std::string("expected a table ([[deployment]]), got ") +
                                 type_name(item.type()));
            auto deployment = load_deployment(*item.as_table(), path);
            if (!deployment) return tl::unexpected<Error>(std::move(deployment.error()));
            const toml::table& t = *item.as_table();
            auto [it, inserted] =
                seen.emplace(std::pair{deployment->name, deployment->environment}, line_of(t));
            if (!inserted)
                return error(line_of(*t.get("name")), path + ".name",
                             "duplicate (name, environment) (" + in_quotes(deployment->name) +
                                 ", " + in_quotes(deployment->environment) + "): already defined" +
                                 (it->second > 0 ? " at line " + std::to_string(it->second)
                                                 : std::string()));
            m_config.deployments.push_back(std::move(*deployment));
        }
        return {};
    }

    Result<DeploymentConfig> load_deployment(const toml::table& t, const std::string& path) const {
        SHIPLOG_TRY(check_keys(
            t, path,
            {"name", "environment", "project", "repository", "branch", "trigger", "pipeline",
             "stage", "release_definition", "release_environment", "incident_area_path"}));
        DeploymentConfig d;
        auto field = [&](std::string_view key, std::string& out) -> Status {
            auto value = req_string(t, path, key);
            if (!value) return tl::unexpected<Error>(std::move(value.error()));
            out = std::move(*value);
            return {};
        };
        SHIPLOG_TRY(field("name", d.name));
        if (!is_slug(d.name))
            return error(line_of(*t.get("name")), path + ".name",
                         in_quotes(d.name) + " is not a slug (lowercase letters, digits and '-')");
        SHIPLOG_TRY(field("environment", d.environment));
        // Deploy ids are "<name>:<environment>:<seq>", so ':' would make them ambiguous.
        if (d.environment.find(':') != std::string::npos)
            return error(
                line_of(*t.get("environment")), path + ".environment",
                in_quotes(d.environment) + " must not contain ':' (it is part of deploy ids)");
        SHIPLOG_TRY(field("project", d.project));
        SHIPLOG_TRY(field("repository", d.repository));

        auto branch = opt_string(t, path, "branch");
        if (!branch) return tl::unexpected<Error>(std::move(branch.error()));
        if (*branch) {
            std::string value = **branch;
            constexpr std::string_view k_heads = "refs/heads/";
            if (value.rfind(k_heads, 0) == 0) value.erase(0, k_heads.size());
            std::uint32_t line = line_of(*t.get("branch"));
            if (value.empty() || value.rfind("refs/", 0) == 0 ||
                value.find_first_of(" \t~^:?*[\\") != std::string::npos)
                return error(
                    line, path + ".branch",
                    in_quotes(**branch) + " is not a branch name (e.g. main or refs/heads/main)");
            d.branch = std::move(value);
        }

        auto trigger = opt_string(t, path, "trigger");
        if (!trigger) return tl::unexpected<Error>(std::move(trigger.error()));
        std::uint32_t trigger_line = line_of(t);
        if (*trigger) {
            trigger_line = line_of(*t.get("trigger"));
            static constexpr std::array k_triggers{Trigger::push, Trigger::build, Trigger::stage,
                                                   Trigger::release, Trigger::manual};
            auto match = std::find_if(k_triggers.begin(), k_triggers.end(), [&](Trigger candidate) {
                return **trigger == to_string(candidate);
            });
            if (match == k_triggers.end())
                return error(
                    trigger_line, path + ".trigger",
                    in_quotes(**trigger) + " is not one of push, build, stage, release, manual");
            d.trigger = *match;
        }

        // Each trigger-specific key: which triggers need it, which allow it.
        struct TriggerKey {
            std::string_view key;
            std::string* out;
            std::initializer_list<Trigger> triggers;
            std::initializer_list<Trigger> optional_for = {};  // allowed, not needed
        };
        // A release's `pipeline` picks, among several build artifacts, the
        // one whose build definition it names.
        const std::array<TriggerKey, 4> k_trigger_keys{{
            {"pipeline", &d.pipeline, {Trigger::build, Trigger::stage}, {Trigger::release}},
            {"stage", &d.stage, {Trigger::stage}},
            {"release_definition", &d.release_definition, {Trigger::release}},
            {"release_environment", &d.release_environment, {Trigger::release}},
        }};
        for (const auto& tk : k_trigger_keys) {
            auto value = opt_string(t, path, tk.key);
            if (!value) return tl::unexpected<Error>(std::move(value.error()));
            const bool fits =
                std::find(tk.triggers.begin(), tk.triggers.end(), d.trigger) != tk.triggers.end();
            const bool optional = std::find(tk.optional_for.begin(), tk.optional_for.end(),
                                            d.trigger) != tk.optional_for.end();
            if (*value && !fits && !optional) {
                std::string allowed;
                for (Trigger tr : tk.triggers)
                    allowed +=
                        (allowed.empty() ? "" : " or ") + std::string("\"") + to_string(tr) + "\"";
                for (Trigger tr : tk.optional_for)
                    allowed +=
                        (allowed.empty() ? "" : " or ") + std::string("\"") + to_string(tr) + "\"";
                return error(line_of(*t.get(tk.key)), key_path(path, tk.key),
                             "only applies to trigger " + allowed +
                                 " (this deployment's trigger is \"" + to_string(d.trigger) +
                                 "\")");
            }
            if (!*value && fits)
                return error(trigger_line, key_path(path, tk.key),
                             std::string("required key is missing (trigger \"") +
                                 to_string(d.trigger) + "\" needs it)");
            if (*value) *tk.out = std::move(**value);
        }
        if ((d.trigger == Trigger::stage || d.trigger == Trigger::release) &&
            !m_config.azure_devops)
            return error(
                trigger_line, path + ".trigger",
                std::string("\"") + to_string(d.trigger) +
                    "\" needs an [azure_devops] section (the commit is fetched over REST)");

        auto area = opt_string(t, path, "incident_area_path");
        if (!area) return tl::unexpected<Error>(std::move(area.error()));
        if (*area) d.incident_area_path = std::move(**area);
        return d;
    }

    Status load_failures(const toml::table& root) {
        auto table = section(root, "failures");
        if (!table) return tl::unexpected<Error>(std::move(table.error()));
        if (*table == nullptr) return {};
        const toml::table& t = **table;
        SHIPLOG_TRY(check_keys(t, "failures",
                               {"incident_work_item_types", "incident_tags",
                                "incident_closed_states", "hotfix_branches"}));
        FailuresConfig& failures = m_config.failures;
        for (auto [key, out] :
             {std::pair{"incident_work_item_types", &failures.incident_work_item_types},
              std::pair{"incident_tags", &failures.incident_tags},
              std::pair{"incident_closed_states", &failures.incident_closed_states},
              std::pair{"hotfix_branches", &failures.hotfix_branches}}) {
            auto value = opt_string_array(t, "failures", key);
            if (!value) return tl::unexpected<Error>(std::move(value.error()));
            if (*value) *out = std::move(**value);
        }
        if (!failures.incident_work_item_types.empty() && failures.incident_closed_states.empty())
            warn(line_of(t), "failures.incident_closed_states",
                 "empty: incidents will never count as restored");
        return {};
    }

    Status load_incident_sources(const toml::table& root) {
        const toml::node* node = root.get("incident_source");
        if (node == nullptr) return {};
        if (!node->is_array())
            return error(line_of(*node), "incident_source",
                         std::string("expected an array of tables ([[incident_source]]), got ") +
                             type_name(node->type()));
        std::map<std::string, std::uint32_t> seen;  // name -> line
        std::size_t index = 0;
        for (const toml::node& item : *node->as_array()) {
            std::string path = "incident_source[" + std::to_string(index++) + "]";
            if (!item.is_table())
                return error(line_of(item), path,
                             std::string("expected a table ([[incident_source]]), got ") +
                                 type_name(item.type()));
            const toml::table& t = *item.as_table();
            SHIPLOG_TRY(check_keys(t, path, {"name", "kind", "deployment", "environment"}));
            IncidentSourceConfig source;
            for (auto [key, out] : {std::pair<const char*, std::string*>{"name", &source.name},
                                    {"deployment", &source.deployment},
                                    {"environment", &source.environment}}) {
                auto value = req_string(t, path, key);
                if (!value) return tl::unexpected<Error>(std::move(value.error()));
                *out = std::move(*value);
            }
            const std::uint32_t name_line = line_of(*t.get("name"));
            if (!is_slug(source.name))
                return error(
                    name_line, path + ".name",
                    in_quotes(source.name) + " is not a slug (lowercase letters, digits and '-')");
            // Incident ids are "<prefix>:<source>:<id>"; Azure Boards' are "boards:<id>".
            if (source.name == "boards")
                return error(name_line, path + ".name",
                             "\"boards\" is reserved for incidents from Azure Boards");
            auto [it, inserted] = seen.emplace(source.name, name_line);
            if (!inserted)
                return error(name_line, path + ".name",
                             "duplicate name " + in_quotes(source.name) +
                                 ": already defined at line " + std::to_string(it->second));
            auto kind = req_string(t, path, "kind");
            if (!kind) return tl::unexpected<Error>(std::move(kind.error()));
            if (*kind == "api")
                source.kind = IncidentSourceKind::api;
            else if (*kind == "azure-monitor")
                source.kind = IncidentSourceKind::azure_monitor;
            else
                return error(line_of(*t.get("kind")), path + ".kind",
                             in_quotes(*kind) + " is not one of api, azure-monitor");
            const bool configured = std::any_of(
                m_config.deployments.begin(), m_config.deployments.end(),
                [&](const DeploymentConfig& d) {
                    return d.name == source.deployment && d.environment == source.environment;
                });
            if (!configured)
                return error(line_of(*t.get("deployment")), path + ".deployment",
                             "no [[deployment]] has name " + in_quotes(source.deployment) +
                                 " and environment " + in_quotes(source.environment));
            m_config.incident_sources.push_back(std::move(source));
        }
        return {};
    }

    Status load_notify(const toml::table& root) {
        const toml::node* node = root.get("notify");
        if (node == nullptr) return {};
        if (!node->is_array())
            return error(line_of(*node), "notify",
                         std::string("expected an array of tables ([[notify]]), got ") +
                             type_name(node->type()));
        std::map<std::string, std::uint32_t> seen;  // name -> line
        std::map<NotifyKind, int> per_kind;
        for (const toml::node& item : *node->as_array())
            if (const toml::table* t = item.as_table())
                if (auto kind = t->get("kind"); kind && kind->is_string())
                    for (NotifyKind k : {NotifyKind::teams, NotifyKind::slack, NotifyKind::webhook})
                        if (kind->as_string()->get() == to_string(k)) ++per_kind[k];
        std::map<NotifyKind, int> numbered;
        std::size_t index = 0;
        for (const toml::node& item : *node->as_array()) {
            std::string path = "notify[" + std::to_string(index++) + "]";
            if (!item.is_table())
                return error(
                    line_of(item), path,
                    std::string("expected a table ([[notify]]), got ") + type_name(item.type()));
            const toml::table& t = *item.as_table();
            SHIPLOG_TRY(check_keys(
                t, path, {"name", "kind", "url_file", "events", "deployments", "digest_at"}));
            NotifyConfig notify;
            auto kind = req_string(t, path, "kind");
            if (!kind) return tl::unexpected<Error>(std::move(kind.error()));
            bool known = false;
            for (NotifyKind k : {NotifyKind::teams, NotifyKind::slack, NotifyKind::webhook})
                if (*kind == to_string(k)) {
                    notify.kind = k;
                    known = true;
                }
            if (!known)
                return error(line_of(*t.get("kind")), path + ".kind",
                             in_quotes(*kind) + " is not one of teams, slack, webhook");

            auto name = opt_string(t, path, "name");
            if (!name) return tl::unexpected<Error>(std::move(name.error()));
            std::uint32_t name_line = line_of(t);
            if (*name) {
                name_line = line_of(*t.get("name"));
                if (!is_slug(**name))
                    return error(
                        name_line, path + ".name",
                        in_quotes(**name) + " is not a slug (lowercase letters, digits and '-')");
                notify.name = std::move(**name);
            } else {
                notify.name = to_string(notify.kind);
                if (per_kind[notify.kind] > 1)
                    notify.name += "-" + std::to_string(++numbered[notify.kind]);
            }
            auto [it, inserted] = seen.emplace(notify.name, name_line);
            if (!inserted)
                return error(name_line, path + ".name",
                             "duplicate name " + in_quotes(notify.name) +
                                 ": already used at line " + std::to_string(it->second) +
                                 " (give each [[notify]] its own name)");

            // The URL is a secret: messages name the file, never its content.
            auto file = req_string(t, path, "url_file");
            if (!file) return tl::unexpected<Error>(std::move(file.error()));
            const std::uint32_t file_line = line_of(*t.get("url_file"));
            const std::string file_key = path + ".url_file";
            const fs::path resolved = resolve(*file);
            auto content = read_secret_file(resolved, file_line, file_key, true);
            if (!content) return tl::unexpected<Error>(std::move(content.error()));
            std::vector<std::string> lines = secret_lines(*content);
            if (lines.size() != 1 || lines.front().empty())
                return error(
                    file_line, file_key,
                    in_quotes(resolved.string()) + " must hold exactly one line: the webhook URL");
            const std::string& url = lines.front();
            if (!ascii::istarts_with(url, "https://") && !ascii::istarts_with(url, "http://"))
                return error(file_line, file_key,
                             "the URL in " + in_quotes(resolved.string()) +
                                 " is not an http:// or https:// URL");
            const std::string_view rest =
                std::string_view(url).substr(ascii::istarts_with(url, "https://") ? 8 : 7);
            const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
            // user:password@ would be a credential in the log line that names the host.
            const std::string_view host = authority.substr(authority.rfind('@') + 1);
            if (host.empty() || std::any_of(url.begin(), url.end(), [](char c) {
                    return c == ' ' || c == '\t' || c < 0x20;
                }))
                return error(file_line, file_key,
                             "the URL in " + in_quotes(resolved.string()) +
                                 " has no host or contains a space or control character");
            notify.host = std::string(host);
            notify.url = Secret(url);

            auto events = opt_string_array(t, path, "events");
            if (!events) return tl::unexpected<Error>(std::move(events.error()));
            if (*events) {
                std::size_t i = 0;
                for (auto& event : **events) {
                    const bool valid =
                        std::any_of(std::begin(k_notify_events), std::end(k_notify_events),
                                    [&](const char* e) { return event == e; });
                    if (!valid) {
                        std::vector<std::string_view> all(std::begin(k_notify_events),
                                                          std::end(k_notify_events));
                        std::string list;
                        for (auto e : all) list += (list.empty() ? "" : ", ") + std::string(e);
                        return error(line_of(*t.get("events")->as_array()->get(i)),
                                     path + ".events[" + std::to_string(i) + "]",
                                     in_quotes(event) + " is not one of " + list);
                    }
                    if (!notify.wants(event)) notify.events.push_back(event);
                    ++i;
                }
            } else {
                notify.events = {"deploy.failed", "deploy.rollback", "incident.opened",
                                 "hooks.unhealthy", "digest.weekly"};
            }
            auto deployments = opt_string_array(t, path, "deployments");
            if (!deployments) return tl::unexpected<Error>(std::move(deployments.error()));
            if (*deployments) {
                std::size_t i = 0;
                for (auto& d : **deployments) {
                    const bool configured =
                        std::any_of(m_config.deployments.begin(), m_config.deployments.end(),
                                    [&](const DeploymentConfig& c) { return c.name == d; });
                    if (!configured)
                        return error(line_of(*t.get("deployments")->as_array()->get(i)),
                                     path + ".deployments[" + std::to_string(i) + "]",
                                     "no [[deployment]] has name " + in_quotes(d));
                    ++i;
                }
                notify.deployments = std::move(**deployments);
            }
            auto digest_at = opt_string(t, path, "digest_at");
            if (!digest_at) return tl::unexpected<Error>(std::move(digest_at.error()));
            if (*digest_at) {
                auto when = parse_weekly_time(**digest_at);
                if (!when)
                    return error(line_of(*t.get("digest_at")), path + ".digest_at",
                                 in_quotes(**digest_at) +
                                     " is not a weekday and a UTC time, like \"monday 09:00\"");
                notify.digest_weekday = when->first;
                notify.digest_minute = when->second;
            }
            if (notify.kind != NotifyKind::webhook && !ascii::istarts_with(url, "https://"))
                warn(file_line, file_key,
                     std::string("the ") + to_string(notify.kind) +
                         " URL is not https: the message and the URL's token travel in clear");
            m_config.notify.push_back(std::move(notify));
        }
        return {};
    }

    std::string m_file;  // as the caller gave it, for messages
    const Environment& m_env;
    fs::path m_base_dir;  // relative paths resolve against this
    Config m_config;
};

}  // namespace

Result<Config> parse_config(std::string_view toml_text, const std::filesystem::path& path,
                            const Environment& env) {
    Loader loader(path, env);
    try {
        toml::table root = toml::parse(toml_text, std::string_view(path.string()));
        return loader.load(root);
    } catch (const toml::parse_error& e) {
        std::string description(e.description());
        return loader.error(e.source().begin.line, "",
                            "TOML syntax error: " + printable(description, 400, false));
    } catch (const std::bad_alloc&) {
        return loader.error(0, "", "out of memory while parsing");
    } catch (const std::exception& e) {
        // Cannot happen with toml++'s documented behaviour; reported rather
        // than crashing `config check` or a SIGHUP reload.
        return loader.error(0, "",
                            std::string("unexpected error while parsing: ") + printable(e.what()));
    }
}

Result<Config> load_config(const std::filesystem::path& path, const Environment& env) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return fail(ErrorCode::config, path.string() + ": is a directory, not a config file");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        int err = errno;
        return fail(ErrorCode::io, path.string() + ": cannot read config file: " +
                                       (err != 0 ? std::strerror(err) : "open failed"));
    }
    std::string text;
    char buffer[16384];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > k_max_config_bytes)
            return fail(ErrorCode::config, path.string() + ": config file is larger than 4 MiB");
    }
    if (in.bad())
        return fail(ErrorCode::io,
                    path.string() + ": cannot read config file: " + std::strerror(errno));
    return parse_config(text, path, env);
}

}  // namespace shiplog::config
