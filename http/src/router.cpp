#include "http/router.hpp"

namespace shiplog::http {
namespace {

// Matches `path` against `pattern` segment by segment. "{}" takes one
// non-empty segment; a final "{...}" takes the rest (one or more segments).
bool matches(std::string_view pattern, std::string_view path, std::vector<std::string>* params) {
    if (pattern.find('{') == std::string_view::npos) return pattern == path;
    while (!pattern.empty()) {
        if (path.empty() || pattern[0] != '/' || path[0] != '/') return false;
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        auto pe = pattern.find('/');
        std::string_view pseg = pattern.substr(0, pe);
        if (pseg == "{...}") {
            if (path.empty()) return false;
            if (params) params->emplace_back(path);
            return pe == std::string_view::npos;
        }
        auto se = path.find('/');
        std::string_view seg = path.substr(0, se);
        if (pseg == "{}") {
            if (seg.empty()) return false;
            if (params) params->emplace_back(seg);
        } else if (pseg != seg) {
            return false;
        }
        pattern = pe == std::string_view::npos ? std::string_view{} : pattern.substr(pe);
        path = se == std::string_view::npos ? std::string_view{} : path.substr(se);
    }
    return path.empty();
}

}  // namespace

void Router::add(Route route) {
    m_routes.push_back(std::move(route));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    Match m;
    for (const auto& r : m_routes) {
        if (!matches(r.pattern, path, nullptr)) continue;
        if (r.method != method) {
            m.path_known = true;
            continue;
        }
        m.route = &r;
        matches(r.pattern, path, &m.params);
        return m;
    }
    return m;
}

}  // namespace shiplog::http
