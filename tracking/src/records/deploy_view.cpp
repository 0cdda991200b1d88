// The names and ids of tracking/deploy.hpp's values, as the API and the CLI show them.
#include "tracking/deploy.hpp"

#include <string>

namespace shiplog::tracking {

const char* to_string(DeployStatus status) {
    switch (status) {
        case DeployStatus::succeeded:
            return "succeeded";
        case DeployStatus::failed:
            return "failed";
    }
    return "unknown";
}

const char* to_string(Failure failure) {
    switch (failure) {
        case Failure::none:
            return "none";
        case Failure::failed:
            return "failed";
        case Failure::rollback:
            return "rollback";
        case Failure::incident:
            return "incident";
    }
    return "unknown";
}

const char* to_string(Rework rework) {
    switch (rework) {
        case Rework::none:
            return "none";
        case Rework::rollback:
            return "rollback";
        case Rework::incident_fix:
            return "incident-fix";
        case Rework::hotfix:
            return "hotfix";
    }
    return "unknown";
}

const char* batch_size_class(std::int64_t commits) {
    if (commits <= 5) return "S";
    if (commits <= 20) return "M";
    if (commits <= 100) return "L";
    return "XL";
}

std::string DeployView::id() const {
    return deployment + ":" + environment + ":" + std::to_string(seq);
}

}  // namespace shiplog::tracking
