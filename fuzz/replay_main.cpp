// Replays a fuzz corpus without libFuzzer: every file under the given folders
// (or the given files) is passed once to LLVMFuzzerTestOneInput. Used by CTest
// so the corpus, including past crashers, is exercised in every build.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
int replay_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the input's size, so ASan sees reads past the end.
    std::vector<std::uint8_t> buffer(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(buffer.data(), buffer.size());
    return 1;
}
}  // namespace

int main(int argc, char** argv) {
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(arg))
                if (e.is_regular_file()) files += replay_file(e.path());
        } else if (std::filesystem::exists(arg)) {
            files += replay_file(arg);
        }
    }
    if (files == 0) {
        std::fprintf(stderr, "replay: no corpus files found\n");
        return 1;
    }
    std::printf("replayed %d inputs\n", files);
    return 0;
}
