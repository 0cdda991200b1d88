# Every dependency is a Debian 12 package; scripts/install-deps installs them.
# A missing one stops configure with the package name to install.
function(shiplog_missing what package)
  message(FATAL_ERROR "shiplog: ${what} not found. Install it with: apt-get install -y ${package}  (or run scripts/install-deps)")
endfunction()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  shiplog_missing("pkg-config" "pkg-config")
endif()

find_package(Threads REQUIRED)

find_package(OpenSSL QUIET)
if(NOT OpenSSL_FOUND)
  shiplog_missing("OpenSSL" "libssl-dev")
endif()

pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
if(NOT HTTPLIB_FOUND)
  shiplog_missing("cpp-httplib" "libcpp-httplib-dev")
endif()

find_package(simdjson CONFIG QUIET)
if(NOT simdjson_FOUND)
  shiplog_missing("simdjson" "libsimdjson-dev")
endif()

pkg_check_modules(LMDB QUIET IMPORTED_TARGET lmdb)
if(NOT LMDB_FOUND)
  shiplog_missing("LMDB" "liblmdb-dev")
endif()
find_path(LMDBXX_INCLUDE_DIR lmdb++.h)
if(NOT LMDBXX_INCLUDE_DIR)
  shiplog_missing("lmdbxx (lmdb++.h)" "liblmdb++-dev")
endif()
add_library(shiplog_lmdbxx INTERFACE)
target_include_directories(shiplog_lmdbxx SYSTEM INTERFACE ${LMDBXX_INCLUDE_DIR})
target_link_libraries(shiplog_lmdbxx INTERFACE PkgConfig::LMDB)

find_package(spdlog CONFIG QUIET)
if(NOT spdlog_FOUND)
  shiplog_missing("spdlog" "libspdlog-dev")
endif()

find_package(tomlplusplus CONFIG QUIET)
if(NOT tomlplusplus_FOUND)
  shiplog_missing("toml++" "libtomlplusplus-dev")
endif()

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  shiplog_missing("CLI11" "libcli11-dev")
endif()

find_package(tl-expected CONFIG QUIET)
if(NOT tl-expected_FOUND)
  shiplog_missing("tl::expected" "libexpected-dev")
endif()

pkg_check_modules(SYSTEMD QUIET IMPORTED_TARGET libsystemd)
if(NOT SYSTEMD_FOUND)
  shiplog_missing("libsystemd" "libsystemd-dev")
endif()

if(SHIPLOG_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    shiplog_missing("GoogleTest" "libgtest-dev libgmock-dev")
  endif()
endif()
