#pragma once
// Service-hook bodies shaped like Azure DevOps deliveries, for scenario tests
// (project "Contoso", repository "web-api", 40-hex shas from small numbers).
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "support/sha.hpp"

namespace shiplog::testing {

// A git.push to Contoso/web-api <branch> moving old -> new with the given commits (oldest first).
inline std::string push_event(const std::string& id, int push_id, int old_sha, int new_sha,
                              const std::vector<int>& commits, const std::string& date,
                              const std::string& branch = "main") {
    std::ostringstream j;
    j << R"({"id":")" << id
      << R"(","eventType":"git.push","publisherId":"tfs","resourceVersion":"1.0",)"
      << R"("createdDate":")" << date << R"(","resource":{"commits":[)";
    // Azure DevOps lists a push's commits newest first.
    for (std::size_t i = commits.size(); i-- > 0;) {
        j << R"({"commitId":")" << sha(commits[i])
          << R"(","author":{"name":"Ada","email":"ada@contoso.example",)"
          << R"("date":"2026-11-19T08:00:00Z"},"committer":{"name":"Ada","email":"ada@contoso.example",)"
          << R"("date":"2026-11-19T08:00:00Z"},"comment":"Change )" << commits[i] << R"( for AB#)"
          << (100 + commits[i]) << R"("})" << (i ? "," : "");
    }
    j << R"(],"refUpdates":[{"name":"refs/heads/)" << branch << R"(","oldObjectId":")"
      << sha(old_sha) << R"(","newObjectId":")" << sha(new_sha)
      << R"("}],"repository":{"id":"7a1b2c3d-0000-4000-8000-000000000001","name":"web-api",)"
      << R"("project":{"id":"1f2e3d4c-0000-4000-8000-000000000002","name":"Contoso"}},)"
      << R"("pushedBy":{"uniqueName":"ada@contoso.example"},"pushId":)" << push_id << R"(,"date":")"
      << date << R"("}})";
    return j.str();
}

// The two pushes several tests start from: web-api deploys on
// 2026-11-20T10:00Z (commits 11, 12) and 2026-11-21T10:00Z (13, 14).
inline std::string first_push() {
    return push_event("p1", 1, 10, 12, {11, 12}, "2026-11-20T10:00:00Z");
}
inline std::string second_push() {
    return push_event("p2", 2, 12, 14, {13, 14}, "2026-11-21T10:00:00Z");
}

// A build.complete (resourceVersion 2.0) of definition `definition` on refs/heads/main.
inline std::string build_event(const std::string& id, int build_id, const std::string& result,
                               int source_sha, const std::string& finish,
                               const std::string& definition = "web-api-ci") {
    std::ostringstream j;
    j << R"({"id":")" << id
      << R"(","eventType":"build.complete","publisherId":"tfs","resourceVersion":"2.0",)"
      << R"("createdDate":")" << finish << R"(","resource":{"id":)" << build_id
      << R"(,"buildNumber":"20261120.)" << build_id << R"(","status":"completed","result":")"
      << result << R"(","finishTime":")" << finish << R"(","definition":{"id":42,"name":")"
      << definition
      << R"("},"project":{"id":"1f2e3d4c-0000-4000-8000-000000000002","name":"Contoso"},)"
      << R"("sourceBranch":"refs/heads/main","sourceVersion":")" << sha(source_sha)
      << R"(","repository":{"id":"7a1b2c3d-0000-4000-8000-000000000001","type":"TfsGit","name":"web-api"}}})";
    return j.str();
}

}  // namespace shiplog::testing
