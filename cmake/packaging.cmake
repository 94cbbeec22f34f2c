# The Debian package (issue 11, part 4): `cmake --build build --target package` (or `cd build
# && cpack`) writes build/flatnet_<version>_<arch>.deb with
#   /usr/bin/flatnet, flatnet-cert, flatnet-forward
#   /usr/lib/cni/flatnet-cni                  the CNI plugin, where Debian's runtimes look
#                                             (containernetworking-plugins' directory)
#   /usr/lib/systemd/system/flatnet.service   the unit `flatnet service unit` prints, for
#                                             /usr/bin/flatnet and /etc/flatnet/config.yml
#   /etc/flatnet/                             empty: `flatnet join` (or the admin) fills it
#   /usr/share/doc/flatnet/                   README.md and docs/*.md
# Its Depends line comes from dpkg-shlibdeps over the binaries (Debian's libraries the build
# linked), so `dpkg -i` into a clean Debian 12 says exactly what is missing.
# tests/lab/deb_package_test.sh installs it into a debootstrap root and runs it there.

include(GNUInstallDirs)

install(TARGETS flatnet flatnet-cert flatnet-forward RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Podman and containerd on Debian find CNI plugins in /usr/lib/cni (docs/cni.md).
install(TARGETS flatnet-cni RUNTIME DESTINATION lib/cni)

# One source for the unit: the binary that `flatnet service install` runs prints it, so the
# packaged unit and the installed-by-hand one never drift apart.
set(flatnet_unit ${CMAKE_BINARY_DIR}/packaging/flatnet.service)
add_custom_command(
  OUTPUT ${flatnet_unit}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
  COMMAND $<TARGET_FILE:flatnet> service unit -binary /usr/bin/flatnet
          -config /etc/flatnet/config.yml > ${flatnet_unit}
  DEPENDS flatnet
  COMMENT "flatnet.service from `flatnet service unit`"
  VERBATIM)
add_custom_target(flatnet_unit ALL DEPENDS ${flatnet_unit})
install(FILES ${flatnet_unit} DESTINATION lib/systemd/system)

# /etc/flatnet belongs to the package (so removing it leaves no empty directory behind, and
# purging removes what the package made); its files are the member's, written by join.
install(DIRECTORY DESTINATION /etc/flatnet)

file(GLOB flatnet_docs ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${flatnet_docs}
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME flatnet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "flatnet maintainers <maintainers@flatnet.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "mesh overlay network, wire- and config-compatible with Nebula")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "mesh overlay network, wire- and config-compatible with Nebula\n"
    " flatnet gives every machine of a team a stable private address that the\n"
    " others reach directly across NATs, with certificates signed by the team's\n"
    " own CA, lighthouses, hole punching, relays and a group-based firewall.\n"
    " It meshes with stock Nebula hosts and reads Nebula's config.yml.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# RelWithDebInfo binaries carry ~25 MB of debug info a user does not need.
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# /etc/flatnet is meant to be absolute.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/cmake/debian/postinst ${CMAKE_SOURCE_DIR}/cmake/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
