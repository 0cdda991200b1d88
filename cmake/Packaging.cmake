# Install rules for everything but the binary (daemon/CMakeLists.txt installs
# that) and the CPack DEB package (see systemd/ and docs/operations.md):
#   cmake -S . -B build-package -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build-package && (cd build-package && cpack -G DEB)
# scripts/check-package builds, installs and checks the package end to end.
include(GNUInstallDirs)

# Debian's own paths when installing to /usr (the package); under any other
# prefix everything stays below it, so a `cmake --install` to /usr/local or a
# staging directory never writes into /lib or /etc.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # Debian 12 packages still ship units in /lib (dpkg does not know that /lib
  # and /usr/lib are one directory on merged-/usr systems).
  set(shiplog_unit_dir_default "/lib/systemd/system")
  set(shiplog_sysusers_dir_default "/usr/lib/sysusers.d")
  set(shiplog_tmpfiles_dir_default "/usr/lib/tmpfiles.d")
  set(shiplog_config_dir_default "/etc/shiplog")
else()
  set(shiplog_unit_dir_default "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  set(shiplog_sysusers_dir_default "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d")
  set(shiplog_tmpfiles_dir_default "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d")
  set(shiplog_config_dir_default "${CMAKE_INSTALL_FULL_SYSCONFDIR}/shiplog")
endif()
set(SHIPLOG_SYSTEMD_UNIT_DIR "${shiplog_unit_dir_default}" CACHE PATH "Where shiplog.service is installed")
set(SHIPLOG_SYSUSERS_DIR "${shiplog_sysusers_dir_default}" CACHE PATH "Where the sysusers.d snippet is installed")
set(SHIPLOG_TMPFILES_DIR "${shiplog_tmpfiles_dir_default}" CACHE PATH "Where the tmpfiles.d snippet is installed")
set(SHIPLOG_CONFIG_DIR "${shiplog_config_dir_default}" CACHE PATH "Where the commented production config is installed")

set(shiplog_systemd_src ${PROJECT_SOURCE_DIR}/systemd)
install(FILES ${shiplog_systemd_src}/shiplog.service DESTINATION ${SHIPLOG_SYSTEMD_UNIT_DIR})
install(FILES ${shiplog_systemd_src}/shiplog.sysusers DESTINATION ${SHIPLOG_SYSUSERS_DIR} RENAME shiplog.conf)
install(FILES ${shiplog_systemd_src}/shiplog.tmpfiles DESTINATION ${SHIPLOG_TMPFILES_DIR} RENAME shiplog.conf)
# No secrets in it (they live in separate 0600 files or credentials): 0644.
install(FILES ${shiplog_systemd_src}/shiplog.toml DESTINATION ${SHIPLOG_CONFIG_DIR}
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# The unit's Documentation= points here.
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/azure-devops.md
              ${PROJECT_SOURCE_DIR}/docs/metrics.md ${PROJECT_SOURCE_DIR}/docs/security.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The reference the packaged config and operations.md point to, and the
# licence where Debian keeps it (/usr/share/doc/<package>/copyright).
install(FILES ${PROJECT_SOURCE_DIR}/docs/reference/cli.md ${PROJECT_SOURCE_DIR}/docs/reference/config.md
              ${PROJECT_SOURCE_DIR}/docs/reference/http-api.md ${PROJECT_SOURCE_DIR}/docs/reference/definitions.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/reference)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# --- CPack: one binary package "shiplog" for Debian 12.
set(CPACK_PACKAGE_NAME "shiplog")
set(CPACK_PACKAGE_VENDOR "shiplog")
set(CPACK_PACKAGE_CONTACT "shiplog maintainers <shiplog@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR "DEB")
set(CPACK_SOURCE_GENERATOR "")

set(CPACK_DEBIAN_PACKAGE_NAME "shiplog")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # shiplog_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE "1")
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Self-hosted deploy tracker for Azure DevOps\n\
 shiplog receives Azure DevOps service hook events, records every deploy\n\
 with the commits and work items it shipped, and answers DORA questions\n\
 (deployment frequency, lead time, change failure rate, time to restore)\n\
 from an embedded LMDB store. Runs as a hardened systemd service.")
# Depends from the binary's shared libraries (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The unit needs systemd to run; without it (containers, chroots) postinst
# still creates the user and store with adduser/useradd and install -d.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx | caddy | apache2")
# conffiles marks /etc/shiplog/shiplog.toml so dpkg keeps the admin's edits.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${shiplog_systemd_src}/debian/conffiles;${shiplog_systemd_src}/debian/postinst;${shiplog_systemd_src}/debian/prerm;${shiplog_systemd_src}/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
