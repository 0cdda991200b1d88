# Every dependency is a Debian 12 package; scripts/install-deps installs them.
# A missing one stops configure with the package name to install.
function(shiplog_missing what package)
  message(FATAL_ERROR "shiplog: ${what} not found. Install it with: apt-get install -y ${package}  (or run scripts/install-deps)")
endfunction()

# find_package(<name> [CONFIG]) or stop naming the Debian package. Macros,
# so that what find_package sets stays visible to the caller.
macro(shiplog_find name what package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    shiplog_missing("${what}" "${package}")
  endif()
endmacro()

# pkg_check_modules as the imported target PkgConfig::<prefix>, or stop.
macro(shiplog_pkg prefix module what package)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    shiplog_missing("${what}" "${package}")
  endif()
endmacro()

shiplog_find(PkgConfig "pkg-config" "pkg-config")
find_package(Threads REQUIRED)
shiplog_find(OpenSSL "OpenSSL" "libssl-dev")
shiplog_pkg(HTTPLIB cpp-httplib "cpp-httplib" "libcpp-httplib-dev")
shiplog_find(simdjson "simdjson" "libsimdjson-dev" CONFIG)

shiplog_pkg(LMDB lmdb "LMDB" "liblmdb-dev")
find_path(LMDBXX_INCLUDE_DIR lmdb++.h)
if(NOT LMDBXX_INCLUDE_DIR)
  shiplog_missing("lmdbxx (lmdb++.h)" "liblmdb++-dev")
endif()
add_library(shiplog_lmdbxx INTERFACE)
target_include_directories(shiplog_lmdbxx SYSTEM INTERFACE ${LMDBXX_INCLUDE_DIR})
target_link_libraries(shiplog_lmdbxx INTERFACE PkgConfig::LMDB)

shiplog_find(spdlog "spdlog" "libspdlog-dev" CONFIG)
shiplog_find(tomlplusplus "toml++" "libtomlplusplus-dev" CONFIG)
shiplog_find(CLI11 "CLI11" "libcli11-dev" CONFIG)
shiplog_find(tl-expected "tl::expected" "libexpected-dev" CONFIG)
shiplog_pkg(SYSTEMD libsystemd "libsystemd" "libsystemd-dev")

if(SHIPLOG_TESTS)
  shiplog_find(GTest "GoogleTest" "libgtest-dev libgmock-dev")
endif()
