#pragma once
// The repository a git event (push, pull request) happened in:
// resource.repository and its project, ids and names.

#include <string>

namespace shiplog::handlers {

struct GitRepositoryRef {
    std::string repository_id;
    std::string repository_name;
    std::string project_id;
    std::string project_name;
};

}  // namespace shiplog::handlers
